-- Hostile and tricky statements: check_select (read_data) must refuse every one.
-- Entries are separated by lines that read exactly "-- next"; <U+XXXX> stands for a
-- character. The integration test runs them through read_data and proves the
-- sample database unchanged.
-- next
SELECT 1 DELETE FROM t
-- next
SELECT 1 DELETE t
-- next
SELECT * FROM SalesLT.Customer DELETE FROM SalesLT.Customer
-- next
SELECT 1 INSERT INTO t VALUES (1)
-- next
SELECT 1 UPDATE t SET a = 1
-- next
SELECT 1 DROP TABLE t
-- next
SELECT 1 TRUNCATE TABLE t
-- next
SELECT 1 EXEC sp_who
-- next
SELECT 1 EXEC('DROP TABLE t')
-- next
SELECT 1 SHUTDOWN
-- next
SELECT * FROM t SELECT * FROM u
-- next
SELECT 1 SELECT 2
-- next
SELECT 1 AS a DELETE FROM t WHERE 1 = 1
-- next
SELECT 1 AS [a] DELETE FROM t
-- next
SELECT 'x' DELETE FROM t
-- next
SELECT * FROM t WHERE id = 1 DELETE FROM t
-- next
SELECT * FROM t ORDER BY id DELETE FROM t
-- next
(SELECT 1) DELETE FROM t
-- next
SELECT 1 UNION SELECT 2 DELETE FROM t
-- next
SELECT 1 CREATE TABLE t (a int)
-- next
SELECT 1 ALTER TABLE t ADD c int
-- next
SELECT 1 GRANT CONTROL TO public
-- next
SELECT 1 THROW 51000, 'x', 1
-- next
SELECT 1 MERGE t USING u ON t.id = u.id WHEN MATCHED THEN DELETE;
-- next
SELECT 1 DECLARE @x int
-- next
SELECT 1 SET ROWCOUNT 0
-- next
SELECT 1 BEGIN TRAN
-- next
SELECT 1 COMMIT
-- next
SELECT * FROM t; DROP TABLE t
-- next
SELECT * FROM t;DROP TABLE t
-- next
SELECT 1; SELECT 2
-- next
SELECT 1;; DELETE FROM t
-- next
SELECT 1; EXEC sp_who
-- next
SELECT * FROM t; SHUTDOWN WITH NOWAIT
-- next
SELECT 1
;
UPDATE t SET a = 1
-- next
SELECT 1 /* harmless? */ DELETE FROM t
-- next
SELECT 1 -- comment
DELETE FROM t
-- next
SELECT 1 /**/DELETE/**/FROM/**/t
-- next
SELECT /* a /* nested */ DROP TABLE t */ 1
-- next
SELECT 1 /* /* */ ; DROP TABLE t /* */ */
-- next
SELECT 1 /* unterminated
-- next
SELECT 1 /* comment */; DROP TABLE t
-- next
SELECT 1 -- comment<U+000D>DELETE FROM t
-- next
SELECT 1 */ DELETE FROM t /*
-- next
SELECT 'a'; DROP TABLE t --'
-- next
SELECT 'a\'; DROP TABLE t; --'
-- next
SELECT [x]; DROP TABLE t; --]
-- next
SELECT "x"; DELETE FROM t
-- next
SELECT 'abc
-- next
SELECT [abc
-- next
SELECT "abc
-- next
SELECT N'x'; EXEC('x')
-- next
SELECT 'it''s'; DELETE FROM t
-- next
SELECT * FROM t WHERE name = '' ; DROP TABLE t --'
-- next
ＳＥＬＥＣＴ * FROM t
-- next
SELECT 1 ＤＥＬＥＴＥ FROM t
-- next
SELECT * FROM t；DROP TABLE t
-- next
SELECT * FROM t<U+037E> DROP TABLE t
-- next
SELECT 1 DEL<U+200B>ETE FROM t
-- next
SELECT<U+200B>1
-- next
SELECT 1<U+0000>; DROP TABLE t
-- next
SELECT 1<U+0000>
-- next
SELECT * FROM t WHERE a = 1 <U+202E>-- )t MORF ETELED
-- next
<U+FEFF>SELECT 1
-- next
SELECT<U+00A0>1
-- next
SELECT<U+3000>*<U+3000>FROM<U+3000>t
-- next
S<U+0415>LECT * FROM t
-- next
SELECT * FROM t WHERE a = 'x<U+200D>'
-- next
SELECT 1 <U+2028>DELETE FROM t
-- next
SELECT 1 -- <U+2028>DELETE FROM t
-- next
SELECT * FROM t<U+E0041>
-- next
SELECT 1 AS a<U+00AD>b
-- next
SELECT 1 <U+FF0F><U+FF0A> x <U+FF0A><U+FF0F>
-- next
SELECT<U+0009>1<U+000B>DELETE FROM t
-- next
SELECT 1<U+001B>
-- next
SELECT ［x］ FROM t
-- next
SELECT ＇x＇
-- next
SELECT * FROM t WHERE a = <U+2018>x<U+2019>
-- next
EXEC sp_who
-- next
EXECUTE sp_who2
-- next
exec xp_cmdshell 'dir'
-- next
EXEC('DROP TABLE t')
-- next
EXEC (N'SELECT 1')
-- next
EXECUTE sp_executesql N'DELETE FROM t'
-- next
EXEC sys.sp_executesql @stmt = N'SELECT 1'
-- next
EXECUTE AS LOGIN = 'sa'
-- next
EXEC AS USER = 'dbo'
-- next
SELECT * FROM t WHERE 1 = 1 EXEC(@sql)
-- next
INSERT INTO t EXEC sp_who
-- next
sp_who
-- next
xp_cmdshell 'whoami'
-- next
SELECT dbo.xp_cmdshell('dir')
-- next
SELECT master.dbo.xp_cmdshell('dir')
-- next
SELECT * FROM sys.sp_who
-- next
SELECT [xp_cmdshell]
-- next
SELECT * FROM master..sp_helpdb
-- next
SELECT sp_executesql
-- next
SELECT * FROM dbo.[sp_secret]
-- next
SELECT XP_REGREAD('HKEY_LOCAL_MACHINE', 'x', 'y')
-- next
SELECT * FROM OPENROWSET('SQLNCLI', 'Server=evil;Trusted_Connection=yes;', 'SELECT 1')
-- next
SELECT * FROM OPENROWSET(BULK 'C:\secrets.txt', SINGLE_CLOB) AS x
-- next
SELECT * FROM OPENQUERY(linked, 'DELETE FROM t')
-- next
SELECT * FROM OPENDATASOURCE('SQLNCLI', 'Data Source=evil').db.dbo.t
-- next
SELECT * FROM OPENXML(@h, '/root', 1)
-- next
select * from openrowset('MSDASQL', 'Driver={SQL Server}', 'select 1')
-- next
SELECT * FROM srv.master.dbo.sysobjects
-- next
SELECT name FROM [linked].[db].[dbo].[t]
-- next
SELECT 1 WAITFOR DELAY '0:0:5'
-- next
WAITFOR DELAY '00:00:05'
-- next
WAITFOR TIME '23:59'
-- next
SELECT * FROM t WHERE 1 = 1 WAITFOR DELAY '0:0:10'
-- next
DBCC CHECKDB
-- next
DBCC DROPCLEANBUFFERS
-- next
SELECT 1 DBCC FREEPROCCACHE
-- next
BULK INSERT t FROM 'C:\data.csv'
-- next
BACKUP DATABASE db TO DISK = 'C:\db.bak'
-- next
BACKUP LOG db TO DISK = 'nul'
-- next
RESTORE DATABASE db FROM DISK = 'C:\db.bak'
-- next
SHUTDOWN
-- next
SHUTDOWN WITH NOWAIT
-- next
RECONFIGURE
-- next
RECONFIGURE WITH OVERRIDE
-- next
KILL 52
-- next
GRANT SELECT ON t TO public
-- next
REVOKE SELECT ON t FROM public
-- next
DENY SELECT ON t TO public
-- next
CREATE TABLE t (a int)
-- next
CREATE VIEW v AS SELECT 1 AS a
-- next
CREATE PROCEDURE p AS SELECT 1
-- next
CREATE LOGIN evil WITH PASSWORD = 'x'
-- next
CREATE USER evil WITHOUT LOGIN
-- next
ALTER TABLE t ADD c int
-- next
ALTER LOGIN sa ENABLE
-- next
ALTER DATABASE CURRENT SET SINGLE_USER
-- next
ALTER ROLE db_owner ADD MEMBER evil
-- next
DROP TABLE t
-- next
DROP DATABASE db
-- next
DROP USER u
-- next
MERGE t USING u ON t.id = u.id WHEN MATCHED THEN UPDATE SET a = 1;
-- next
TRUNCATE TABLE t
-- next
INSERT INTO t VALUES (1)
-- next
INSERT t SELECT * FROM u
-- next
UPDATE t SET a = 1
-- next
UPDATE t SET a = 1 WHERE id = 1
-- next
DELETE FROM t
-- next
DELETE t WHERE id = 1
-- next
DECLARE @x int
-- next
DECLARE @s nvarchar(100) = N'DROP TABLE t'; EXEC(@s)
-- next
DECLARE c CURSOR FOR SELECT 1
-- next
SET NOCOUNT ON
-- next
SET @x = 1
-- next
SET ROWCOUNT 1
-- next
SET TRANSACTION ISOLATION LEVEL READ UNCOMMITTED
-- next
USE master
-- next
BEGIN TRAN
-- next
BEGIN TRANSACTION; DELETE FROM t; COMMIT
-- next
COMMIT
-- next
ROLLBACK
-- next
SAVE TRANSACTION s
-- next
CHECKPOINT
-- next
REVERT
-- next
SETUSER 'dbo'
-- next
PRINT 'x'
-- next
RAISERROR('x', 16, 1)
-- next
THROW 51000, 'x', 1
-- next
OPEN c
-- next
CLOSE c
-- next
DEALLOCATE c
-- next
IF 1 = 1 SELECT 1
-- next
WHILE 1 = 1 SELECT 1
-- next
GOTO done
-- next
RETURN
-- next
UPDATE STATISTICS t
-- next
ENABLE TRIGGER ALL ON DATABASE
-- next
DISABLE TRIGGER tr ON t
-- next
RECEIVE * FROM q
-- next
WITH x AS (DELETE FROM t OUTPUT deleted.*) SELECT * FROM x
-- next
WITH x AS (SELECT 1 AS a) DELETE FROM t
-- next
WITH x AS (SELECT 1 AS a) UPDATE x SET a = 2
-- next
WITH x AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM x
-- next
SELECT * FROM (DELETE FROM t OUTPUT deleted.*) AS d
-- next
SELECT * FROM (INSERT INTO t VALUES (1)) AS x
-- next
SELECT * FROM t WHERE id IN (SELECT id FROM u; DELETE FROM u)
-- next
SELECT (SELECT 1 DELETE FROM t)
-- next
SELECT * INTO #t FROM x
-- next
SELECT * INTO dbo.copy FROM x
-- next
SELECT a INTO ##g FROM t
-- next
SELECT TOP 0 * INTO t2 FROM t
-- next
SELECT * INTO t2 FROM t UNION SELECT * FROM u
-- next
WITH c AS (SELECT 1 AS a) SELECT * INTO t2 FROM c
-- next
SELECT * FROM t WITH (UPDLOCK)
-- next
SELECT * FROM t WITH (XLOCK)
-- next
SELECT * FROM t WITH (TABLOCKX)
-- next
SELECT * FROM t WITH (UPDLOCK, HOLDLOCK) WHERE id = 1
-- next
SELECT * FROM t (xlock)
-- next
SELECT * FROM t FOR UPDATE
-- next
SELECT * FROM t FOR BROWSE
-- next
SELECT NEXT VALUE FOR dbo.seq
-- next
SELECT @x = name FROM sys.tables
-- next
SELECT @x = 1
-- next
{call xp_cmdshell('dir')}
-- next
SELECT {fn USER()}
-- next
{call sp_who}
-- next
SELECT * FROM t WHERE a = ?
-- next
SELECT * FROM t WHERE a = @ x
-- next
SELECT 1
GO
DROP TABLE t
-- next
SELECT 1
GO
-- next
SELECT 1 GO 5
-- next
go
-- next
sElEcT 1 dElEtE fRoM t
-- next
select * from t; drop table t
-- next
Exec sp_who
-- next
wAiTfOr DeLaY '0:0:5'
-- next
SeLeCt * InTo #t FrOm x
-- next
select 1 Shutdown
-- next
SELECT FROM WHERE
-- next
SELECT (
-- next
SELECT 1 +
-- next
SELECT 1 FROM
-- next
-- only a comment
-- next
/* only a comment */
-- next
;
-- next
SELECT 1 AS DELETE
-- next
SELECT a FROM t AS UPDATE
-- next
SELECT TOP 5 * FROM t AS SELECT
-- next
DELETE TOP (5) FROM t
-- next
SELECT * FROM OPENROWSET(BULK N'/etc/passwd', SINGLE_CLOB) x UNION SELECT 1
-- next
SELECT * FROM t WHERE EXISTS (SELECT 1 FROM OPENQUERY(srv, 'SELECT 1'))
-- next
SELECT CAST(1 AS int) EXECUTE('SELECT 1')
-- next
SELECT 1 INTO t
-- next
SELECT 1 UNION SELECT 2 INTO t
-- next
SELECT 1 LOAD
-- next
SELECT 1 WRITETEXT t.c @p 'x'
-- next
SELECT 1 READTEXT t.c @p 0 0
-- next
SELECT 1 OPEN c
-- next
SELECT 1 $DELETE FROM t
-- next
SELECT 0xDELETE FROM t
-- next
SELECT $$x$$
-- next
SELECT 1 FETCH NEXT FROM c
-- next
SELECT 1 END CONVERSATION @h
-- next
SELECT 1 (SELECT 2)
-- next
SELECT 1DELETE FROM t
-- next
SELECT 1e5DELETE FROM t
-- next
SELECT * FROM master.sys.sql_logins
-- next
SELECT name FROM master.sys.databases
-- next
SELECT * FROM msdb.dbo.sysjobs
-- next
SELECT * FROM msdb.dbo.backupset
-- next
SELECT * FROM OtherDb..Secrets
-- next
SELECT * FROM [OtherDb].[dbo].[Secrets]
-- next
SELECT * FROM "OtherDb"."dbo"."Secrets"
-- next
SELECT * FROM tempdb.sys.objects
-- next
SELECT * FROM tempdb..#t
-- next
SELECT * FROM ##t
-- next
SELECT a FROM ##shared WHERE a = 1
-- next
SELECT * FROM t JOIN OtherDb.dbo.u ON u.id = t.id
-- next
SELECT * FROM t WHERE id IN (SELECT id FROM OtherDb.dbo.u)
-- next
WITH c AS (SELECT * FROM model.sys.objects) SELECT * FROM c
-- next
SELECT OtherDb.dbo.fn_secret(1)
-- next
SELECT * FROM t CROSS APPLY OtherDb.dbo.tvf(t.a) AS f
-- next
SELECT [master].[sys].[objects].[name] FROM t
-- next
SELECT * FROM master..spt_values
-- next
SELECT * FROM [msdb]..[sysmail_account]
-- next
SELECT 1 AS a FROM t UNION ALL SELECT 1 FROM OtherDb.dbo.u
-- next
SELECT * FROM AdventureWorksLT2.SalesLT.Customer
-- next
SELECT * FROM t WITH (TABLOCK, HOLDLOCK)
-- next
SELECT * FROM t WITH (SERIALIZABLE, PAGLOCK)
-- next
SELECT * FROM t WITH (REPEATABLEREAD)
-- next
SELECT * FROM t WITH (HOLDLOCK)
-- next
SELECT * FROM t (TABLOCK)
-- next
SELECT * FROM t (SERIALIZABLE)
-- next
SELECT * FROM t WITH (PAGLOCK)
-- next
SELECT * FROM t WITH (READCOMMITTEDLOCK)
-- next
SELECT * FROM t AS a WITH (NOLOCK) JOIN u AS b WITH (TABLOCK) ON a.id = b.id
-- next
SELECT * FROM t WHERE id IN (SELECT id FROM u WITH (HOLDLOCK))
-- next
SELECT * FROM t WITH (NOLOCK, SERIALIZABLE)
-- next
SELECT * FROM t OPTION (MAXRECURSION 0)
-- next
WITH r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT n FROM r OPTION (MAXRECURSION 0)
-- next
SELECT * FROM t OPTION (MAXRECURSION 32767)
-- next
SELECT * FROM t OPTION (MAXDOP 0)
-- next
SELECT * FROM t OPTION (MAXDOP 64)
-- next
SELECT * FROM t OPTION (MIN_GRANT_PERCENT = 100)
-- next
SELECT * FROM t OPTION (MAX_GRANT_PERCENT = 100)
-- next
SELECT * FROM t OPTION (QUERYTRACEON 8649)
-- next
SELECT * FROM t OPTION (RECOMPILE, QUERYTRACEON 8649)
-- next
SELECT * FROM t OPTION (USE PLAN N'<ShowPlanXML/>')
-- next
SELECT * FROM t OPTION (PARAMETERIZATION FORCED)
-- next
SELECT * FROM t OPTION (USE HINT ('ENABLE_PARALLEL_PLAN_PREFERENCE'))
-- next
SELECT * FROM t OPTION (TABLE HINT (t, TABLOCK))
-- next
SELECT * FROM t AS a INNER REMOTE JOIN u AS b ON a.id = b.id
-- next
SELECT 1 AS a UNION SELECT 2 OPTION (MAXDOP 8)
-- next
SELECT * FROM sys.fn_get_audit_file('\\evil\share\*.sqlaudit', DEFAULT, DEFAULT)
-- next
SELECT * FROM sys.fn_get_audit_file('C:\audit\*', NULL, NULL)
-- next
SELECT * FROM sys.fn_xe_file_target_read_file('\\evil\s\*.xel', NULL, NULL, NULL)
-- next
SELECT * FROM fn_xe_file_target_read_file('C:\x\*.xel', NULL, NULL, NULL)
-- next
SELECT type, data FROM sys.fn_MSxe_read_event_stream(N'\\evil\s\x*.xel', 1)
-- next
SELECT type, data FROM sys.fn_MSxe_read_event_stream(N'system_health', 0)
-- next
SELECT * FROM sys.fn_trace_gettable('\\evil\s\t.trc', 1)
-- next
SELECT * FROM sys.fn_trace_getinfo(0)
-- next
SELECT * FROM sys.traces
-- next
SELECT * FROM sys.dm_os_file_exists('\\evil\share\x')
-- next
SELECT * FROM sys.dm_os_enumerate_filesystem('C:\', '*')
-- next
SELECT * FROM sys.dm_os_enumerate_fixed_drives
-- next
SELECT * FROM sys.dm_server_registry
-- next
SELECT * FROM sys.dm_os_volume_stats(DB_ID(), 1)
-- next
SELECT * FROM sys.dm_server_services
-- next
SELECT * FROM sys.dm_server_memory_dumps
-- next
SELECT * FROM sys.fn_dblog(NULL, NULL)
-- next
SELECT * FROM fn_dblog(NULL, NULL)
-- next
SELECT * FROM sys.fn_dump_dblog(NULL, NULL, N'DISK', 1, N'\\evil\s\log.trn')
-- next
SELECT * FROM sys.fn_full_dblog(NULL, NULL, NULL, NULL, NULL, NULL, NULL)
-- next
SELECT * FROM sys.dm_db_log_info(DB_ID())
-- next
SELECT * FROM sys.fn_virtualfilestats(NULL, NULL)
-- next
SELECT * FROM sys.master_files
-- next
SELECT physical_name FROM sys.sysaltfiles
-- next
SELECT name, password_hash FROM sys.sql_logins
-- next
SELECT PWDCOMPARE('password', password_hash) FROM sys.sql_logins
-- next
SELECT PWDCOMPARE(N'x', 0x0100)
-- next
SELECT PWDENCRYPT(N'x')
-- next
SELECT LOGINPROPERTY('sa', 'PasswordHash')
-- next
SELECT * FROM sys.credentials
-- next
SELECT * FROM sys.database_scoped_credentials
-- next
SELECT * FROM sys.server_principals
-- next
SELECT * FROM syslogins
-- next
SELECT * FROM sys.syslogins
-- next
SELECT * FROM sys.linked_logins
-- next
SELECT * FROM sys.servers
-- next
SELECT * FROM sys.master_key_passwords
-- next
SELECT CERTPRIVATEKEY(CERT_ID('c'), 'pw')
-- next
SELECT * FROM sys.server_file_audits
-- next
SELECT * FROM sys.server_event_session_fields
-- next
SELECT * FROM sys.database_event_session_fields
-- next
SELECT * FROM sys.fn_get_sql(0x01)
-- next
SELECT * FROM [sys].[sql_logins]
-- next
SELECT * FROM "sys"."credentials"
-- next
SELECT * FROM t WHERE EXISTS (SELECT 1 FROM sys.sql_logins)
-- next
WITH l AS (SELECT name FROM sys.sql_logins) SELECT * FROM l
-- next
SELECT r.session_id, t.text FROM sys.dm_exec_requests r CROSS APPLY sys.dm_exec_sql_text(r.sql_handle) t
-- next
SELECT * FROM sys.dm_exec_sessions
-- next
SELECT * FROM sys.dm_exec_connections
-- next
SELECT * FROM sys.dm_exec_query_stats AS s CROSS APPLY sys.dm_exec_sql_text(s.sql_handle) AS t
-- next
SELECT * FROM sys.dm_tran_locks
-- next
SELECT * FROM sys.dm_os_wait_stats
-- next
SELECT * FROM sys.sysprocesses
-- next
SELECT * FROM sys.syscacheobjects
-- next
SELECT * FROM sys.dm_exec_input_buffer(52, 0)
-- next
SELECT * FROM sys.dm_db_page_info(DB_ID(), 1, 1, 'DETAILED')
-- next
SELECT p.plan_handle FROM sys.dm_exec_cached_plans AS p CROSS APPLY sys.dm_exec_sql_text(p.plan_handle) AS t
-- next
SELECT RAND(12345)
-- next
SELECT RAND(@seed)
-- next
SELECT TOP 1 RAND(1) AS r FROM t
-- next
SELECT * FROM t WHERE RAND(CHECKSUM(id)) > 0.5
-- next
select rand(0) as r
-- next
SELECT * FROM SalesLT.Customer (NOLOCK, SERIALIZABLE)
-- next
SELECT * FROM SalesLT.Customer AS c (TABLOCK, NOLOCK)
-- next
SELECT * FROM SalesLT.Customer ([REPEATABLEREAD])
-- next
SELECT * FROM SalesLT.Customer AS c CROSS APPLY SalesLT.Address (PAGLOCK, NOLOCK)
-- next
SELECT OtherDb.dbo.MyType::Parse(N'1') AS v
-- next
SELECT Srv.OtherDb.dbo.MyType::Parse(N'1') AS v
-- next
SELECT CAST(CustomerID AS OtherDb.dbo.MyType) AS v FROM SalesLT.Customer
-- next
SELECT * FROM [OPENROWSET]('SQLNCLI', 'Server=x;Trusted_Connection=yes', 'SELECT 1')
-- next
SELECT [OPENQUERY](srv, 'SELECT 1') AS x
-- next
SELECT * FROM sys.fn_xe_telemetry_blob_target_read_file('el', NULL, NULL, NULL)
-- next
SELECT * FROM SalesLT.Customer ORDER BY CustomerID (SELECT name FROM sys.objects)
-- next
SELECT * FROM SalesLT.Customer (SELECT name FROM sys.objects)
-- next
SELECT CustomerID FROM SalesLT.Customer GROUP BY CustomerID (SELECT 2)
-- next
SELECT * FROM [<U+FF53><U+FF59><U+FF53>].[<U+FF43>redentials]
-- next
SELECT name FROM sys.[sql_logins<U+3000>]
-- next
SELECT TOP 5 c.CustomerID FROM SalesLT.Customer AS c (NOLOCK, READPAST) ORDER BY c.CustomerID
-- next
SELECT * FROM SalesLT.Customer AS c CROSS APPLY .sys.fn_dblog(NULL, NULL) AS x
-- next
SELECT * FROM SalesLT.Customer AS c CROSS APPLY ..fn_dblog(NULL, NULL) AS x
-- next
SELECT * FROM CHANGETABLE(CHANGES OtherDb.dbo.t, 0) AS ct
-- next
SELECT * FROM CHANGETABLE(VERSION OtherDb..t, (id), (1)) AS ct
-- next
SELECT * FROM CHANGETABLE(CHANGES Srv.OtherDb.dbo.t, 0) AS ct
-- next
SELECT * FROM CHANGETABLE(CHANGES sys.sql_logins, 0) AS ct
-- next
SELECT * FROM CHANGETABLE(CHANGES dbo.t WITH (NOLOCK), 0) AS ct
-- next
SELECT * FROM CHANGETABLE(CHANGES dbo.t, (SELECT MAX(v) FROM OtherDb.dbo.u)) AS ct
-- next
SELECT * FROM CHANGETABLE(CHANGES dbo.t, 0, TABLOCK) AS ct
-- next
SELECT PARSE(N'1' AS OtherDb.dbo.MyType USING 'en-US') AS v
-- next
SELECT TRY_PARSE((SELECT TOP 1 Secret FROM OtherDb.dbo.u) AS int USING 'en-US') AS v
-- next
SELECT * FROM t WHERE CONTAINS(c, 'x', LANGUAGE (SELECT TOP 1 n FROM OtherDb.dbo.u))
-- next
WITH XMLNAMESPACES ('uri:x' AS ns), c AS (SELECT * FROM OtherDb.dbo.u) SELECT * FROM c
-- next
WITH XMLNAMESPACES ('uri:x' AS ns) SELECT 1 AS a DELETE FROM t
-- next
SELECT * FROM OPENROWSET(BULK 'https://example.blob.core.windows.net/c/y.parquet', FORMAT = 'PARQUET') AS r
-- next
SELECT AI_GENERATE_EMBEDDINGS(N'customer list' USE MODEL MyModel) AS e
-- next
SELECT s.distance FROM VECTOR_SEARCH(TABLE = master.dbo.a AS t, COLUMN = e, SIMILAR_TO = @v, METRIC = 'cosine', TOP_N = 5) AS s
-- next
SELECT s.distance FROM VECTOR_SEARCH(TABLE = dbo.a WITH (XLOCK), COLUMN = e, SIMILAR_TO = @v, METRIC = 'cosine', TOP_N = 5) AS s
-- next
SELECT s.distance FROM VECTOR_SEARCH(TABLE = sys.sql_logins, COLUMN = e, SIMILAR_TO = @v, METRIC = 'cosine', TOP_N = 5) AS s
-- next
SELECT s.x FROM dbo.VECTOR_SEARCH(TABLE = 1) AS s
-- next
SELECT 1 AS a FROM t OPTION (TABLE HINT (t, TABLOCK))
-- next
WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT dbo.f(DEFAULT) AS a
-- next
SELECT dbo.XMLNAMESPACES(DEFAULT) AS a
-- next
WITH XMLNAMESPACES (DEFAULT 'urn:x') SELECT 1 AS a DELETE FROM t
-- next
SELECT 1 AS a FROM p, f, q WHERE MATCH(p-(f)->q) DELETE FROM t
-- next
SELECT AI_SUMMARIZE(d.body) AS s FROM dbo.docs AS d
-- next
SELECT [AI_CLASSIFY](d.body, 'a', 'b') AS c FROM dbo.docs AS d
-- next
SELECT * FROM sys.fn_db_backup_file_snapshots(NULL)
-- next
SELECT * FROM CONTAINSTABLE(srv.db.dbo.t, *, N'x') AS k
