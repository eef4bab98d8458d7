CREATE EXTERNAL TABLE IF NOT EXISTS `dynamo_lake`.`gsi_export` (
  `agent` string,
  `order` double,
  `blob` binary,
  `blobs` array<binary>,
  `date` string,
  `details` string,
  `duration` double,
  `first name` string,
  `note` string,
  `pk` string,
  `resolved` boolean,
  `scores` array<double>,
  `steps` string,
  `tags` array<string>,
  `ts` string,
  `user` string,
  `report_date` string
)
PARTITIONED BY (
  `year` int,
  `month` int,
  `day` int
)
STORED AS PARQUET
LOCATION 's3://example-bucket/lake/gsi_export/'
TBLPROPERTIES (
  'projection.enabled'='true',
  'projection.year.type'='integer',
  'projection.year.range'='2024,2030',
  'projection.month.type'='integer',
  'projection.month.range'='1,12',
  'projection.month.digits'='2',
  'projection.day.type'='integer',
  'projection.day.range'='1,31',
  'projection.day.digits'='2',
  'storage.location.template'='s3://example-bucket/lake/gsi_export/year=${year}/month=${month}/day=${day}/',
  'parquet.compression'='SNAPPY'
)
