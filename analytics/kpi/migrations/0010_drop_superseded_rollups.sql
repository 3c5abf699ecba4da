-- kpi_application_facts (0008) and kpi_application_days (0009) replace
-- these two rollups, which nothing reads any more; their views would
-- otherwise keep costing every insert into portal_applications.
DROP TABLE IF EXISTS {db}.kpi_application_lifecycle_mv;
DROP TABLE IF EXISTS {db}.kpi_application_lifecycle;
DROP TABLE IF EXISTS {db}.kpi_applications_daily_mv;
DROP TABLE IF EXISTS {db}.kpi_applications_daily;
