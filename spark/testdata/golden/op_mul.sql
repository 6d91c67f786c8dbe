/* rxspark op_mul */
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
    CASE WHEN `_u0` THEN `_e1` END AS `_a0_0`,
    CASE WHEN `_u1` THEN `_e3` END AS `_a1_0`,
    CASE WHEN `_u2` THEN `_e5` END AS `_a2_0`,
    CASE WHEN `_u3` THEN `_e7` END AS `_a3_0`,
    CASE WHEN `_u4` THEN `_e9` END AS `_a4_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_e1` IS NOT NULL, FALSE) AS `_u0`,
      coalesce(`_f` AND `_e3` IS NOT NULL, FALSE) AS `_u1`,
      coalesce(`_f` AND `_e5` IS NOT NULL, FALSE) AS `_u2`,
      coalesce(`_f` AND `_e7` IS NOT NULL, FALSE) AS `_u3`,
      coalesce(`_f` AND `_e9` IS NOT NULL, FALSE) AS `_u4`
    FROM (SELECT *,
        CASE WHEN abs(`_e0`) < CAST('Infinity' AS DOUBLE) THEN `_e0` END AS `_e1`,
        CASE WHEN abs(`_e2`) < CAST('Infinity' AS DOUBLE) THEN `_e2` END AS `_e3`,
        CASE WHEN abs(`_e4`) < CAST('Infinity' AS DOUBLE) THEN `_e4` END AS `_e5`,
        CASE WHEN abs(`_e6`) < CAST('Infinity' AS DOUBLE) THEN `_e6` END AS `_e7`,
        CASE WHEN abs(`_e8`) < CAST('Infinity' AS DOUBLE) THEN `_e8` END AS `_e9`
      FROM (SELECT *,
          CAST(floor(`_c10`) AS BIGINT) AS `_k0`,
          (`_c0` * `_c2`) AS `_e0`,
          (`_c11` * `_c12`) AS `_e2`,
          (CAST(`_c5` AS DOUBLE) * `_c11`) AS `_e4`,
          (`_c11` * 0D) AS `_e6`,
          (1E+308D * `_c12`) AS `_e8`
        FROM (SELECT TRUE AS `_f`,
            CAST(`s10` AS DOUBLE) AS `_c10`,
            CASE WHEN abs(`s0`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s0` AS DOUBLE) END AS `_c0`,
            CAST(`s2` AS DOUBLE) AS `_c2`,
            CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`,
            CASE WHEN abs(`s12`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s12` AS DOUBLE) END AS `_c12`,
            `s5` AS `_c5`
          FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`) AS `_l5`
GROUP BY `_k0`
