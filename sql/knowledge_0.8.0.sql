-- dosm_rag 0.8.0: more shipped knowledge (rows with shipped = true; extend with INSERT). Included
-- in the generated install script and, verbatim, in dosm_rag--0.7.0--0.8.0.sql.

-- Synonyms of several words (new in 0.8.0): the phrase reads as the one word it means.
-- "Meninggal dunia" is how Malay says died.
INSERT INTO dosm_rag.synonyms (word, means, shipped) VALUES
('meninggal dunia', 'kematian', true),
('passed away', 'death', true),
-- value added is GDP by economic activity ("By Activity > Agriculture")
('value added', 'activity', true),
('nilai ditambah', 'aktiviti', true),
('nilai tambah', 'aktiviti', true)
ON CONFLICT DO NOTHING;

-- The Bumiputera category as DOSM's population tables code it, and the federal territories as
-- "WP" without its dots.
INSERT INTO dosm_rag.aliases (alias, value, shipped) VALUES
('Bumiputera', 'bumi', true),
('WP Kuala Lumpur', 'W.P. Kuala Lumpur', true),
('WP Labuan', 'W.P. Labuan', true),
('WP Putrajaya', 'W.P. Putrajaya', true)
ON CONFLICT DO NOTHING;
