-- dosm_rag 0.6.0: more shipped knowledge (rows with shipped = true; extend with INSERT). Included
-- in the generated install script and, verbatim, in dosm_rag--0.5.0--0.6.0.sql.

-- GDP's seasonally adjusted series at constant prices, as English questions name it.
INSERT INTO dosm_rag.aliases (alias, value, shipped) VALUES
('constant prices seasonally adjusted', 'real_sa', true),
('seasonally adjusted', 'real_sa', true),
('terlaras musim', 'real_sa', true),
('seasonally adjusted real', 'real_sa', true),
('real seasonally adjusted', 'real_sa', true)
ON CONFLICT DO NOTHING;

-- The glossary, both ways: the Malay acronym of GDP, a DUN as English calls it, the census, and
-- mortality as the catalogue titles it ("Kadar Mortaliti Ibu Bersalin").
INSERT INTO dosm_rag.synonyms (word, means, shipped) VALUES
('kdnk', 'gdp', true),
('gdp', 'kdnk', true),
('seat', 'dun', true),
('constituency', 'dun', true),
('banci', 'census', true),
('census', 'banci', true),
('kematian', 'mortaliti', true),
('mortaliti', 'kematian', true),
('mortality', 'death', true),
('ratio', 'rate', true),
-- people who died are deaths
('meninggal', 'kematian', true),
('mati', 'kematian', true),
('died', 'death', true)
ON CONFLICT DO NOTHING;
