/* rxspark count */
SELECT count(1) AS `_r0`,
  count_if(`_f`) AS `_r1`,
  count_if(`_f`) AS `_r2`
FROM (SELECT TRUE AS `_f`
  FROM `rxspark_src_test`) AS `_l1`
