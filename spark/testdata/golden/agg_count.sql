/* rxspark agg_count */
SELECT `_k0` AS `_r0`,
  grouping_id(`_k0`) AS `_r1`,
  count(1) AS `_r2`,
  count_if(`_f`) AS `_r3`,
  count_if(`_f`) AS `_r4`,
  count_if(`_u1`) AS `_r5`,
  count_if(`_u2`) AS `_r6`,
  sum(`_w2`) AS `_r7`,
  count_if(`_u3`) AS `_r8`,
  sum(`_w3`) AS `_r9`,
  count_if(`_u4`) AS `_r10`,
  sum(`_w4`) AS `_r11`,
  count_if(`_u5`) AS `_r12`,
  sum(`_w5`) AS `_r13`
FROM (SELECT *,
    CASE WHEN `_u4` THEN `_e0` END AS `_w4`,
    CASE WHEN `_u5` THEN `_e0` END AS `_w5`
  FROM (SELECT *,
      CASE WHEN `_u2` THEN `_c6` END AS `_w2`,
      CASE WHEN `_u3` THEN `_c6` END AS `_w3`,
      coalesce(`_f` AND `_e0` > 0D, FALSE) AS `_u4`,
      coalesce(`_f` AND `_e0` > 0D AND `_c5`, FALSE) AS `_u5`
    FROM (SELECT *,
        `_c3` AS `_k0`,
        coalesce(`_f` AND `_c5`, FALSE) AS `_u1`,
        coalesce(`_f` AND `_c6` > 0D, FALSE) AS `_u2`,
        coalesce(`_f` AND `_c6` > 0D AND `_c5`, FALSE) AS `_u3`,
        CASE WHEN `_c11` IS NULL OR 1000D IS NULL THEN CAST(NULL AS DOUBLE) ELSE least(`_c11`, 1000D) END AS `_e0`
      FROM (SELECT TRUE AS `_f`,
          CAST(`s3` AS STRING) AS `_c3`,
          `s5` AS `_c5`,
          CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`,
          CASE WHEN abs(`s11`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s11` AS DOUBLE) END AS `_c11`
        FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`) AS `_l4`
GROUP BY `_k0` GROUPING SETS ((`_k0`), ())
