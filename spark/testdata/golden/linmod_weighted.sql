/* rxspark linmod_weighted */
SELECT count(1) AS `_r0`,
  count_if(`_f`) AS `_r1`,
  count_if(`_u0`) AS `_r2`,
  sum(`_w0`) AS `_r3`,
  max(`_s0_1`) AS `_r4`,
  max(`_s0_2`) AS `_r5`,
  sum(`_w0` * (`_a0_1` - `_s0_1`)) AS `_r6`,
  sum(`_w0` * (`_a0_2` - `_s0_2`)) AS `_r7`,
  sum(`_w0` * (`_a0_1` - `_s0_1`) * (`_a0_1` - `_s0_1`)) AS `_r8`,
  sum(`_w0` * (`_a0_1` - `_s0_1`) * (`_a0_2` - `_s0_2`)) AS `_r9`,
  sum(`_w0` * (`_a0_2` - `_s0_2`) * (`_a0_2` - `_s0_2`)) AS `_r10`,
  count_if(`_u1`) AS `_r11`,
  sum(`_w1`) AS `_r12`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c0` END AS `_a0_1`,
    CASE WHEN `_u0` THEN `_c1` END AS `_a0_2`,
    CASE WHEN `_u0` THEN `_c6` END AS `_w0`,
    CASE WHEN `_u1` THEN `_c6` END AS `_w1`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c1` IS NOT NULL AND `_c6` > 0D, FALSE) AS `_u0`,
      coalesce(`_f` AND `_c6` > 0D, FALSE) AS `_u1`
    FROM (SELECT TRUE AS `_f`,
        CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
        CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`,
        CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`
LEFT JOIN (SELECT `_a0_1` AS `_s0_1`, `_a0_2` AS `_s0_2` FROM (SELECT *, spark_partition_id() AS `_nd` FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c0` END AS `_a0_1`,
    CASE WHEN `_u0` THEN `_c1` END AS `_a0_2`,
    CASE WHEN `_u0` THEN `_c6` END AS `_w0`,
    CASE WHEN `_u1` THEN `_c6` END AS `_w1`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c1` IS NOT NULL AND `_c6` > 0D, FALSE) AS `_u0`,
      coalesce(`_f` AND `_c6` > 0D, FALSE) AS `_u1`
    FROM (SELECT TRUE AS `_f`,
        CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
        CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`,
        CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_sh0_b` WHERE (`_u0`) AND `_nd` >= 0 LIMIT 1) AS `_sh0` ON TRUE
