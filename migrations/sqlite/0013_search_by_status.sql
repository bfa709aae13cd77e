-- PostgreSQL's trigram indexes per status (its 0013); SQLite's FTS indexes are unchanged.
SELECT 1;
