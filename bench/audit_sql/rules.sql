-- rules.sql — the rules of data/rules/nhsa that bench/bench_audit.sh runs on the SQL peers: one
-- query per rule (8 kinds: gender, age band, retirement age, visit type, hospital level,
-- frequency, cycle, duplicate charge), each counting its hits as docs/audit.md defines them
-- (one hit per violating line; frequency: one per person, item and day). Plain SQL for both
-- SQLite and DuckDB over the tables of prep_*.sql and the rule tables as published (r_*).
-- Known simplifications: cycle counts every earlier charge in the window (the engine counts the
-- paid ones: they differ with 3 or more charges in one window); duplicate takes a main item of
-- any visit of the day (the engine: this visit and earlier ones).
SELECT 'YB09' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT c."药品代码" AS code, n."限定对象" AS v FROM r_b1dgc c JOIN r_b1dgn n ON n."药品通用名" = c."药品通用名") r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND ((r.v = '男' AND vis.gend = '2') OR (r.v = '女' AND vis.gend = '1'));
SELECT 'YB10' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT "国标代码" AS code, "限定性别" AS v FROM r_b1ig) r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND ((r.v = '男' AND vis.gend = '2') OR (r.v = '女' AND vis.gend = '1'));
SELECT 'YB11' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT c."国标代码" AS code, n."限定对象" AS v FROM r_b1dac c JOIN r_b1dan n ON n."药品通用名" = c."药品通用名") r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND vis.bday IS NOT NULL AND fl.day >= vis.bday AND (
    (r.v = '新生儿' AND fl.day - vis.bday > 28) OR
    (r.v = '婴幼儿' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 3) OR
    (r.v = '儿童' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 18) OR
    (r.v = '成年' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) < 18));
SELECT 'YB12' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT "国标代码" AS code, "限定对象" AS v FROM r_b1ia) r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND vis.bday IS NOT NULL AND fl.day >= vis.bday AND (
    (r.v = '新生儿' AND fl.day - vis.bday > 28) OR
    (r.v = '婴幼儿' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 3) OR
    (r.v = '儿童' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 18) OR
    (r.v = '成年' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) < 18));
SELECT 'YB12.2' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT "项目代码" AS code FROM r_b8a) r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND vis.bday IS NOT NULL AND fl.day >= vis.bday AND (
    (vis.gend = '1' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 60) OR
    (vis.gend = '2' AND fl.y - vis.by - (CASE WHEN fl.md < vis.bmd THEN 1 ELSE 0 END) >= 50));
SELECT 'YB05' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT c."国标代码" AS code, n."限定值域" AS v, n."药品说明" AS d FROM r_b4c c JOIN r_b4n n ON n."药品通用名" = c."药品通用名") r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND r.v = '住院' AND NOT (vis.med_type LIKE '2%' OR vis.med_type = '52' OR (r.d LIKE '%急诊%' AND vis.med_type = '13'));
SELECT 'YB03' AS id, count(*) AS hits FROM fl
  JOIN (SELECT DISTINCT c."国标代码" AS code, CASE n."限定值域" WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 END AS req
        FROM r_b5c c JOIN r_b5n n ON n."药品通用名" = c."药品通用名") r ON r.code = fl.code
  JOIN vis ON vis.mdtrt = fl.mdtrt
  WHERE fl.cnt > 0 AND (CASE WHEN vis.hosp_lv IN ('01', '02', '03', '04', '12') THEN 3 WHEN vis.hosp_lv IN ('05', '06', '07', '13') THEN 2
                              WHEN vis.hosp_lv IN ('08', '09', '10', '14') THEN 1 WHEN vis.hosp_lv = '11' THEN 0 END) < r.req;
SELECT 'YB18' AS id, count(*) AS hits FROM (
  SELECT fl.psn, fl.code, fl.day FROM fl
  JOIN (SELECT DISTINCT "项目编码" AS code, CAST("限制数量" AS INTEGER) AS lim FROM r_b8f) r ON r.code = fl.code
  GROUP BY fl.psn, fl.code, fl.day, r.lim HAVING sum(fl.cnt) > r.lim) x;
SELECT 'YB18.2' AS id, count(*) AS hits FROM (
  WITH c AS (SELECT fl.rid, fl.psn, fl.code, fl.day, fl.t, fl.sn, fl.cnt, r.k, r.m FROM fl
             JOIN (SELECT DISTINCT "项目代码" AS code, CAST("频次上限" AS INTEGER) AS k, CAST("疗程周期" AS INTEGER) AS m FROM r_b8c) r
             ON r.code = fl.code WHERE fl.cnt > 0)
  SELECT l.rid FROM c l
  LEFT JOIN c e ON e.psn = l.psn AND e.code = l.code AND e.day BETWEEN l.day - l.m + 1 AND l.day
                AND (e.t < l.t OR (e.t = l.t AND e.sn < l.sn))
  GROUP BY l.rid, l.cnt, l.k HAVING coalesce(sum(e.cnt), 0) + l.cnt > l.k) x;
SELECT 'YB25' AS id, count(DISTINCT s.rid) AS hits FROM r_b7 r
  JOIN fl s ON s.code = r."从项编码"
  JOIN fl m ON m.psn = s.psn AND m.code = r."主项编码"
  WHERE s.cnt > 0 AND m.cnt > 0 AND (
    (r."频度" = '单日' AND m.day = s.day) OR (r."频度" = '单次就诊' AND m.mdtrt = s.mdtrt) OR
    (r."频度" = '6小时' AND abs(m.secs - s.secs) < 21600) OR (r."频度" = '同一小时' AND abs(m.secs - s.secs) < 3600));
