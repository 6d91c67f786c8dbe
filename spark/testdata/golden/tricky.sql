/* rxspark tricky */
SELECT `_k0` AS `_r0`,
  count(1) AS `_r1`,
  count_if(`_f`) AS `_r2`,
  count_if(`_f`) AS `_r3`,
  count_if(`_u1`) AS `_r4`,
  sum(`_a1_0`) AS `_r5`,
  count_if(`_u2`) AS `_r6`,
  count_if(`_u3`) AS `_r7`
FROM (SELECT *,
    CASE WHEN `_u1` THEN `_e1` END AS `_a1_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_e1` IS NOT NULL, FALSE) AS `_u1`
    FROM (SELECT *,
        CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`,
        coalesce(`_f` AND (`_c4` = CAST(X'6261636B5C736C617368' AS STRING)), FALSE) AS `_u2`,
        coalesce(`_f` AND (`_c4` <> CAST(X'73656D693B636F6C6F6E202D2D2078' AS STRING)), FALSE) AS `_u3`
      FROM (SELECT *,
          (`_c9` + 1D) AS `_e0`,
          coalesce(coalesce(`_c4` IN (CAST(X'69742773' AS STRING), CAST(X'6261636B5C736C617368' AS STRING), CAST(X'247B656E763A484F4D457D' AS STRING), CAST(X'C3BC6EC3AF63C3B864C3A9' AS STRING), CAST(X'5C27' AS STRING)), FALSE), FALSE) AS `_f`,
          `_c4` AS `_k0`
        FROM (SELECT CASE WHEN abs(`s9`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s9` AS DOUBLE) END AS `_c9`,
            CAST(`s4` AS STRING) AS `_c4`
          FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`
GROUP BY `_k0`
