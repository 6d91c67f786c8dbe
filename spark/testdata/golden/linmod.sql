/* rxspark linmod */
SELECT `_k0` AS `_r0`,
  count(1) AS `_r1`,
  count_if(`_f`) AS `_r2`,
  count_if(`_u0`) AS `_r3`,
  max(`_s0_1`) AS `_r4`,
  max(`_s0_2`) AS `_r5`,
  max(`_s0_3`) AS `_r6`,
  max(`_s0_4`) AS `_r7`,
  sum((`_a0_1` - `_s0_1`)) AS `_r8`,
  sum((`_a0_2` - `_s0_2`)) AS `_r9`,
  sum((`_a0_3` - `_s0_3`)) AS `_r10`,
  sum((`_a0_4` - `_s0_4`)) AS `_r11`,
  sum((`_a0_1` - `_s0_1`) * (`_a0_1` - `_s0_1`)) AS `_r12`,
  sum((`_a0_1` - `_s0_1`) * (`_a0_2` - `_s0_2`)) AS `_r13`,
  sum((`_a0_1` - `_s0_1`) * (`_a0_3` - `_s0_3`)) AS `_r14`,
  sum((`_a0_1` - `_s0_1`) * (`_a0_4` - `_s0_4`)) AS `_r15`,
  sum((`_a0_2` - `_s0_2`) * (`_a0_2` - `_s0_2`)) AS `_r16`,
  sum((`_a0_2` - `_s0_2`) * (`_a0_3` - `_s0_3`)) AS `_r17`,
  sum((`_a0_2` - `_s0_2`) * (`_a0_4` - `_s0_4`)) AS `_r18`,
  sum((`_a0_3` - `_s0_3`) * (`_a0_3` - `_s0_3`)) AS `_r19`,
  sum((`_a0_3` - `_s0_3`) * (`_a0_4` - `_s0_4`)) AS `_r20`,
  sum((`_a0_4` - `_s0_4`) * (`_a0_4` - `_s0_4`)) AS `_r21`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c0` END AS `_a0_1`,
    CASE WHEN `_u0` THEN `_c2` END AS `_a0_2`,
    CASE WHEN `_u0` THEN `_e1` END AS `_a0_3`,
    CASE WHEN `_u0` THEN `_c1` END AS `_a0_4`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c2` IS NOT NULL AND `_e1` IS NOT NULL AND `_c1` IS NOT NULL, FALSE) AS `_u0`
    FROM (SELECT *,
        CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`
      FROM (SELECT *,
          coalesce((`_c2` > 1D), FALSE) AS `_f`,
          `_c3` AS `_k0`,
          (`_c0` * `_c2`) AS `_e0`
        FROM (SELECT CAST(`s2` AS DOUBLE) AS `_c2`,
            CAST(`s3` AS STRING) AS `_c3`,
            CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
            CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`
          FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`
LEFT JOIN (SELECT `_a0_1` AS `_s0_1`, `_a0_2` AS `_s0_2`, `_a0_3` AS `_s0_3`, `_a0_4` AS `_s0_4` FROM (SELECT *, spark_partition_id() AS `_nd` FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c0` END AS `_a0_1`,
    CASE WHEN `_u0` THEN `_c2` END AS `_a0_2`,
    CASE WHEN `_u0` THEN `_e1` END AS `_a0_3`,
    CASE WHEN `_u0` THEN `_c1` END AS `_a0_4`
  FROM (SELECT *,
      coalesce(`_f` AND `_c0` IS NOT NULL AND `_c2` IS NOT NULL AND `_e1` IS NOT NULL AND `_c1` IS NOT NULL, FALSE) AS `_u0`
    FROM (SELECT *,
        CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`
      FROM (SELECT *,
          coalesce((`_c2` > 1D), FALSE) AS `_f`,
          `_c3` AS `_k0`,
          (`_c0` * `_c2`) AS `_e0`
        FROM (SELECT CAST(`s2` AS DOUBLE) AS `_c2`,
            CAST(`s3` AS STRING) AS `_c3`,
            CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
            CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`
          FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`) AS `_sh0_b` WHERE (`_u0`) AND `_nd` >= 0 LIMIT 1) AS `_sh0` ON TRUE
GROUP BY `_k0`
