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
