/* rxspark filter_na */
SELECT `_k0` AS `_r0`,
  count(1) AS `_r1`,
  count_if(`_f`) AS `_r2`,
  count_if(`_f`) AS `_r3`,
  count_if(`_u1`) AS `_r4`,
  avg(`_a1_0`) AS `_r5`,
  var_pop(`_a1_0`) AS `_r6`,
  min(`_a1_0`) AS `_r7`,
  max(`_a1_0`) AS `_r8`
FROM (SELECT *,
    CASE WHEN `_u1` THEN `_c0` END AS `_a1_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c5`, FALSE) AS `_u1`
    FROM (SELECT *,
        coalesce((`_c5` OR (`_c11` <> 0D)), FALSE) AS `_f`,
        `_c3` AS `_k0`
      FROM (SELECT `s5` AS `_c5`,
          CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
          CAST(`s3` AS STRING) AS `_c3`,
          CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`
        FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`
GROUP BY `_k0`
