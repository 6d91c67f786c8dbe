/* rxspark keys_only_total */
SELECT count(1) AS `_r0`,
  count_if(`_f`) AS `_r1`,
  count_if(`_u0`) AS `_r2`,
  min(`_a0_0`) AS `_r3`,
  count_if(`_u1`) AS `_r4`,
  max(`_a1_0`) AS `_r5`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c0` END AS `_a0_0`,
    CASE WHEN `_u1` THEN `_c0` END AS `_a1_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL, FALSE) AS `_u0`,
      coalesce(`_f` AND `_c0` IS NOT NULL, FALSE) AS `_u1`
    FROM (SELECT TRUE AS `_f`,
        CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`
