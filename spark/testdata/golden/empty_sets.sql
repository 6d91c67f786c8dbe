/* rxspark empty_sets */
SELECT count(1) AS `_r0`,
  count_if(`_f`) AS `_r1`,
  count_if(`_u0`) AS `_r2`,
  sum(`_w0`) AS `_r3`,
  count_if(`_u1`) AS `_r4`,
  avg(`_a1_0`) AS `_r5`,
  var_pop(`_a1_0`) AS `_r6`,
  min(`_a1_0`) AS `_r7`,
  max(`_a1_0`) AS `_r8`
FROM (SELECT *,
    CASE WHEN `_u0` THEN `_c6` END AS `_w0`,
    CASE WHEN `_u1` THEN `_c1` END AS `_a1_0`
  FROM (SELECT *,
      coalesce(`_f` AND `_c6` > 0D, FALSE) AS `_u0`,
      coalesce(`_f` AND `_c1` IS NOT NULL, FALSE) AS `_u1`
    FROM (SELECT TRUE AS `_f`,
        CASE WHEN abs(`s6`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s6` AS DOUBLE) END AS `_c6`,
        CASE WHEN abs(`s1`) < CAST('Infinity' AS DOUBLE) THEN CAST(`s1` AS DOUBLE) END AS `_c1`
      FROM `rxspark_src_test`) AS `_l1`) AS `_l2`) AS `_l3`
