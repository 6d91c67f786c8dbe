/* rxspark op_case */
SELECT `_k0` AS `_r0`,
  `_k1` AS `_r1`,
  `_k2` AS `_r2`,
  `_k3` AS `_r3`,
  grouping_id(`_k0`, `_k1`, `_k2`, `_k3`) AS `_r4`,
  count(1) AS `_r5`,
  count_if(`_f`) AS `_r6`,
  count_if(`_u0`) AS `_r7`,
  sum(`_a0_0`) AS `_r8`,
  count_if(`_u1`) AS `_r9`,
  sum(`_a1_0`) AS `_r10`,
  count_if(`_u2`) AS `_r11`,
  sum(`_a2_0`) AS `_r12`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_e0` END AS `_a0_0`,
    CASE WHEN `_u1` THEN `_e1` END AS `_a1_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_e0` IS NOT NULL, FALSE) AS `_u0`,
      coalesce(`_f` AND `_e1` IS NOT NULL, FALSE) AS `_u1`,
      CASE WHEN `_u2` THEN `_e2` END AS `_a2_0`
    FROM (SELECT *,
        CAST(floor(`_c10`) AS BIGINT) AS `_k0`,
        CASE WHEN (`_c3` IS NULL) THEN 'missing' ELSE `_c3` END AS `_k1`,
        CASE WHEN `_c5` THEN `_c3` ELSE `_c4` END AS `_k2`,
        CASE WHEN (`_c11` <> 0D) THEN 't' WHEN (`_c12` <> 0D) THEN 'u' ELSE CAST(NULL AS STRING) END AS `_k3`,
        CASE WHEN (`_c0` < 0D) THEN (-1D) WHEN (`_c0` < 10D) THEN CAST(`_c5` AS DOUBLE) ELSE CAST(NULL AS DOUBLE) END AS `_e0`,
        CASE WHEN (`_c11` > 0D) THEN `_c11` WHEN (`_c12` > 0D) THEN `_c12` ELSE 0D END AS `_e1`,
        coalesce(`_f` AND `_e2` IS NOT NULL, FALSE) AS `_u2`
      FROM (SELECT TRUE AS `_f`,
          CAST(`s10` AS DOUBLE) AS `_c10`,
          CAST(`s3` AS STRING) AS `_c3`,
          `s5` AS `_c5`,
          CAST(`s4` AS STRING) AS `_c4`,
          CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
          CASE WHEN abs(`s12`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s12` AS DOUBLE) END AS `_c12`,
          CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
          CASE WHEN CAST(NULL AS BOOLEAN) THEN 1D ELSE 2D END AS `_e2`
        FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`
GROUP BY `_k0`, `_k1`, `_k2`, `_k3` GROUPING SETS ((`_k0`), (`_k0`, `_k1`), (`_k0`, `_k2`), (`_k0`, `_k3`))
