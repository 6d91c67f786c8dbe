/* rxspark op_lt */
SELECT `_k0` AS `_r0`,
  count(1) AS `_r1`,
  count_if(`_f`) AS `_r2`,
  count_if(`_u0`) AS `_r3`,
  sum(`_a0_0`) AS `_r4`,
  count_if(`_u1`) AS `_r5`,
  sum(`_a1_0`) AS `_r6`,
  count_if(`_u2`) AS `_r7`,
  sum(`_a2_0`) AS `_r8`,
  count_if(`_u3`) AS `_r9`,
  sum(`_a3_0`) AS `_r10`,
  count_if(`_u4`) AS `_r11`,
  sum(`_a4_0`) AS `_r12`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_e0` END AS `_a0_0`,
    CASE WHEN `_u1` THEN `_e1` END AS `_a1_0`,
    CASE WHEN `_u2` THEN `_e2` END AS `_a2_0`,
    CASE WHEN `_u4` THEN `_e4` END AS `_a4_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_e0` IS NOT NULL, FALSE) AS `_u0`,
      coalesce(`_f` AND `_e1` IS NOT NULL, FALSE) AS `_u1`,
      coalesce(`_f` AND `_e2` IS NOT NULL, FALSE) AS `_u2`,
      CASE WHEN `_u3` THEN `_e3` END AS `_a3_0`,
      coalesce(`_f` AND `_e4` IS NOT NULL, FALSE) AS `_u4`
    FROM (SELECT *,
        CAST(floor(`_c10`) AS BIGINT) AS `_k0`,
        CAST((`_c11` < `_c12`) AS DOUBLE) AS `_e0`,
        CAST((`_c0` < 5D) AS DOUBLE) AS `_e1`,
        CAST((CAST(`_c5` AS DOUBLE) < `_c11`) AS DOUBLE) AS `_e2`,
        coalesce(`_f` AND `_e3` IS NOT NULL, FALSE) AS `_u3`,
        CAST((`_c11` < CAST(NULL AS DOUBLE)) AS DOUBLE) AS `_e4`
      FROM (SELECT TRUE AS `_f`,
          CAST(`s10` AS DOUBLE) AS `_c10`,
          CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
          CASE WHEN abs(`s12`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s12` AS DOUBLE) END AS `_c12`,
          CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
          `s5` AS `_c5`,
          CAST((CAST(NULL AS DOUBLE) < 1D) AS DOUBLE) AS `_e3`
        FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`
GROUP BY `_k0`
