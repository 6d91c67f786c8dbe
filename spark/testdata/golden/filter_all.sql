/* rxspark filter_all */
SELECT `_k0` AS `_r0`,
  grouping_id(`_k0`) AS `_r1`,
  count(1) AS `_r2`,
  count_if(`_f`) AS `_r3`,
  count_if(`_f`) AS `_r4`,
  count_if(`_u1`) AS `_r5`,
  avg(`_a1_0`) AS `_r6`,
  var_pop(`_a1_0`) AS `_r7`,
  min(`_a1_0`) AS `_r8`,
  max(`_a1_0`) AS `_r9`,
  count_if(`_u2`) AS `_r10`,
  max(`_s2_0`) AS `_r11`,
  max(`_s2_1`) AS `_r12`,
  sum((`_a2_0` - `_s2_0`)) AS `_r13`,
  sum((`_a2_1` - `_s2_1`)) AS `_r14`,
  sum((`_a2_0` - `_s2_0`) * (`_a2_0` - `_s2_0`)) AS `_r15`,
  sum((`_a2_0` - `_s2_0`) * (`_a2_1` - `_s2_1`)) AS `_r16`,
  sum((`_a2_1` - `_s2_1`) * (`_a2_1` - `_s2_1`)) AS `_r17`
FROM (SELECT *,
    CASE WHEN `_u1` THEN `_c0` END AS `_a1_0`,
    CASE WHEN `_u2` THEN `_c0` END AS `_a2_0`,
    CASE WHEN `_u2` THEN `_c1` END AS `_a2_1`
  FROM (SELECT *,
      `_c3` AS `_k0`,
      coalesce(`_f` AND `_c0` IS NOT NULL, FALSE) AS `_u1`,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c1` IS NOT NULL, FALSE) AS `_u2`
    FROM (SELECT coalesce(FALSE, FALSE) AS `_f`,
        CAST(`s3` AS STRING) AS `_c3`,
        CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
        CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`
LEFT JOIN (SELECT `_a2_0` AS `_s2_0`, `_a2_1` AS `_s2_1` FROM (SELECT *, spark_partition_id() AS `_nd` FROM (SELECT *,
    CASE WHEN `_u1` THEN `_c0` END AS `_a1_0`,
    CASE WHEN `_u2` THEN `_c0` END AS `_a2_0`,
    CASE WHEN `_u2` THEN `_c1` END AS `_a2_1`
  FROM (SELECT *,
      `_c3` AS `_k0`,
      coalesce(`_f` AND `_c0` IS NOT NULL, FALSE) AS `_u1`,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c1` IS NOT NULL, FALSE) AS `_u2`
    FROM (SELECT coalesce(FALSE, FALSE) AS `_f`,
        CAST(`s3` AS STRING) AS `_c3`,
        CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
        CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_sh2_b` WHERE (`_u2`) AND `_nd` >= 0 LIMIT 1) AS `_sh2` ON TRUE
GROUP BY `_k0` GROUPING SETS ((`_k0`), ())
