/* rxspark transforms */
SELECT `_k0` AS `_r0`,
  `_k1` AS `_r1`,
  grouping_id(`_k0`, `_k1`) AS `_r2`,
  count(1) AS `_r3`,
  count_if(`_f`) AS `_r4`,
  count_if(`_u0`) AS `_r5`,
  avg(`_a0_0`) AS `_r6`,
  var_pop(`_a0_0`) AS `_r7`,
  min(`_a0_0`) AS `_r8`,
  max(`_a0_0`) AS `_r9`,
  count_if(`_u1`) AS `_r10`,
  sum(`_a1_0`) AS `_r11`,
  count_if(`_u2`) AS `_r12`,
  sum(`_w2`) AS `_r13`,
  max(`_s2_1`) AS `_r14`,
  max(`_s2_2`) AS `_r15`,
  sum(`_w2` * (`_a2_1` - `_s2_1`)) AS `_r16`,
  sum(`_w2` * (`_a2_2` - `_s2_2`)) AS `_r17`,
  sum(`_w2` * (`_a2_1` - `_s2_1`) * (`_a2_1` - `_s2_1`)) AS `_r18`,
  sum(`_w2` * (`_a2_1` - `_s2_1`) * (`_a2_2` - `_s2_2`)) AS `_r19`,
  sum(`_w2` * (`_a2_2` - `_s2_2`) * (`_a2_2` - `_s2_2`)) AS `_r20`,
  count_if(`_u3`) AS `_r21`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_e5` END AS `_a0_0`,
    CASE WHEN `_u2` THEN `_e3` END AS `_a2_1`,
    CASE WHEN `_u2` THEN `_e5` END AS `_a2_2`,
    CASE WHEN `_u2` THEN `_c6` END AS `_w2`
  FROM (SELECT *,
      coalesce(`_f` AND `_e5` IS NOT NULL, FALSE) AS `_u0`,
      CASE WHEN `_u1` THEN `_e7` END AS `_a1_0`,
      coalesce(`_f` AND `_e3` IS NOT NULL AND `_e5` IS NOT NULL AND `_c6` > 0D, FALSE) AS `_u2`
    FROM (SELECT *,
        CASE WHEN abs(`_e4`) < CAST('Infinity' AS DOUBLE) THEN `_e4` END AS `_e5`,
        coalesce(`_f` AND `_e7` IS NOT NULL AND `_e9`, FALSE) AS `_u1`,
        coalesce(`_f` AND (CAST(NULL AS DOUBLE) IS NULL), FALSE) AS `_u3`
      FROM (SELECT *,
          (`_e3` - 1D) AS `_e4`,
          coalesce((NOT (`_e3` IS NULL)), FALSE) AS `_f`
        FROM (SELECT *,
            CASE WHEN abs(`_e2`) < CAST('Infinity' AS DOUBLE) THEN `_e2` END AS `_e3`,
            CASE WHEN abs(`_e6`) < CAST('Infinity' AS DOUBLE) THEN `_e6` END AS `_e7`
          FROM (SELECT *,
              (`_e1` + `_c1`) AS `_e2`,
              sqrt(abs(`_e1`)) AS `_e6`
            FROM (SELECT *,
                CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`,
                `_e8` AS `_k0`,
                CASE WHEN `_e9` THEN 'TRUE' WHEN NOT `_e9` THEN 'FALSE' END AS `_k1`
              FROM (SELECT *,
                  (`_c0` * 2D) AS `_e0`,
                  CASE WHEN `_c5` THEN `_c3` WHEN NOT `_c5` THEN 'z' END AS `_e8`,
                  (`_c11` > 0D) AS `_e9`
                FROM (SELECT CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
                    CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`,
                    `s5` AS `_c5`,
                    CAST(`s3` AS STRING) AS `_c3`,
                    CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
                    CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`
                  FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`) AS `_l6`) AS `_l7`) AS `_l8`) AS `_l9`
LEFT JOIN (SELECT `_a2_1` AS `_s2_1`, `_a2_2` AS `_s2_2` FROM (SELECT *, spark_partition_id() AS `_nd` FROM (SELECT *,
    CASE WHEN `_u0` THEN `_e5` END AS `_a0_0`,
    CASE WHEN `_u2` THEN `_e3` END AS `_a2_1`,
    CASE WHEN `_u2` THEN `_e5` END AS `_a2_2`,
    CASE WHEN `_u2` THEN `_c6` END AS `_w2`
  FROM (SELECT *,
      coalesce(`_f` AND `_e5` IS NOT NULL, FALSE) AS `_u0`,
      CASE WHEN `_u1` THEN `_e7` END AS `_a1_0`,
      coalesce(`_f` AND `_e3` IS NOT NULL AND `_e5` IS NOT NULL AND `_c6` > 0D, FALSE) AS `_u2`
    FROM (SELECT *,
        CASE WHEN abs(`_e4`) < CAST('Infinity' AS DOUBLE) THEN `_e4` END AS `_e5`,
        coalesce(`_f` AND `_e7` IS NOT NULL AND `_e9`, FALSE) AS `_u1`,
        coalesce(`_f` AND (CAST(NULL AS DOUBLE) IS NULL), FALSE) AS `_u3`
      FROM (SELECT *,
          (`_e3` - 1D) AS `_e4`,
          coalesce((NOT (`_e3` IS NULL)), FALSE) AS `_f`
        FROM (SELECT *,
            CASE WHEN abs(`_e2`) < CAST('Infinity' AS DOUBLE) THEN `_e2` END AS `_e3`,
            CASE WHEN abs(`_e6`) < CAST('Infinity' AS DOUBLE) THEN `_e6` END AS `_e7`
          FROM (SELECT *,
              (`_e1` + `_c1`) AS `_e2`,
              sqrt(abs(`_e1`)) AS `_e6`
            FROM (SELECT *,
                CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`,
                `_e8` AS `_k0`,
                CASE WHEN `_e9` THEN 'TRUE' WHEN NOT `_e9` THEN 'FALSE' END AS `_k1`
              FROM (SELECT *,
                  (`_c0` * 2D) AS `_e0`,
                  CASE WHEN `_c5` THEN `_c3` WHEN NOT `_c5` THEN 'z' END AS `_e8`,
                  (`_c11` > 0D) AS `_e9`
                FROM (SELECT CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
                    CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`,
                    `s5` AS `_c5`,
                    CAST(`s3` AS STRING) AS `_c3`,
                    CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
                    CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`
                  FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`) AS `_l6`) AS `_l7`) AS `_l8`) AS `_l9`) AS `_sh2_b` WHERE (`_u2`) AND `_nd` >= 0 LIMIT 1) AS `_sh2` ON TRUE
GROUP BY `_k0`, `_k1` GROUPING SETS ((`_k0`), (`_k1`), ())
