-- Benchmark seed: bench_params.users made-up users, in one statement that runs unchanged on
-- SQLite and PostgreSQL (so both backends hold the same rows). Run after names.sql, in the same
-- session, with bench_params (users, now) created by scripts/bench.sh.
--
-- Each user's name, email domain and dates come from a multiplicative hash of their sequence
-- number: names vary like a real directory, searches hit a realistic share, and the data is
-- the same on every run. Every tenth user is disabled (10%).

INSERT INTO users (email, first_name, last_name, password_hash, role, status, totp_enabled_at,
                   last_login_at, disabled_at, created_at, updated_at)
WITH RECURSIVE seq(n) AS (
    SELECT CAST(1 AS BIGINT)
    UNION ALL
    SELECT n + 1 FROM seq WHERE n < (SELECT users FROM bench_params)
),
sizes AS (
    SELECT (SELECT COUNT(*) FROM bench_first_names) AS nf,
           (SELECT COUNT(*) FROM bench_last_names) AS nl,
           (SELECT COUNT(*) FROM bench_domains) AS nd
),
picks AS (
    -- Knuth's multiplicative hash: well spread, and exact in 64-bit integers for n < 3.4e9.
    SELECT seq.n, (seq.n * 2654435761) % 4294967296 AS h, sizes.nf, sizes.nl, sizes.nd,
           bench_params.now AS now
    FROM seq CROSS JOIN sizes CROSS JOIN bench_params
),
born AS (
    -- Joined over the last three years.
    SELECT picks.*, now - (h % 94608000) AS created FROM picks
)
SELECT lower(f.name) || '.' || lower(l.name) || b.n || '@' || d.name,
       f.name,
       l.name,
       -- Not a usable password: seeded users never sign in.
       '$argon2id$v=19$m=19456,t=2,p=1$YmVuY2hzZWVkMDAwMDAwMA$bm90LWEtcmVhbC1oYXNoLWJlbmNoLXNlZWQ',
       CASE WHEN b.n % 50 = 0 THEN 'admin'
            WHEN b.n % 20 IN (1, 2, 3, 4, 5) THEN 'analyst'
            WHEN b.n % 20 = 6 THEN 'api_developer'
            ELSE 'read_only' END,
       CASE WHEN b.n % 10 = 0 THEN 'disabled' ELSE 'active' END,
       CASE WHEN b.n % 3 = 0 THEN b.created + 3600 END,
       CASE WHEN b.n % 7 = 3 THEN NULL ELSE b.created + (b.h / 7) % (b.now - b.created + 1) END,
       CASE WHEN b.n % 10 = 0 THEN b.created + (b.now - b.created) / 2 END,
       b.created,
       b.created
FROM born b
JOIN bench_first_names f ON f.i = b.h % b.nf
JOIN bench_last_names l ON l.i = (b.h / b.nf) % b.nl
JOIN bench_domains d ON d.i = (b.h / (b.nf * b.nl)) % b.nd
ORDER BY b.n;

-- Groups, and memberships so the list shows (and queries) group names: two users in three
-- belong to one group, one in five to a second.
INSERT INTO groups (name, name_key, description, role, created_at, updated_at)
SELECT g.name, lower(g.name), '', g.role, p.now, p.now FROM bench_groups g CROSS JOIN bench_params p;

INSERT INTO group_members (group_id, user_id, added_at)
SELECT DISTINCT grp.id, m.user_id, m.added_at
FROM (
    SELECT u.id AS user_id, (u.id * 7) % 16 AS slot, u.created_at AS added_at
    FROM users u WHERE u.role <> 'global_admin' AND u.id % 3 <> 0
    UNION ALL
    SELECT u.id, (u.id * 11 + 3) % 16, u.created_at
    FROM users u WHERE u.role <> 'global_admin' AND u.id % 5 = 0
) m
JOIN bench_groups bg ON bg.i = m.slot
JOIN groups grp ON grp.name_key = lower(bg.name);
