from django.db import migrations

SEARCH_SQL = """
CREATE FUNCTION cjk_bigrams(t text) RETURNS text AS $$
    SELECT coalesce(string_agg(substr(run, i, 2), ' ' ORDER BY n, i), '')
      FROM (SELECT m[1] AS run, row_number() OVER () AS n
              FROM regexp_matches(coalesce(t, ''), '([\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uff66-\uff9f]+)', 'g') AS m) AS runs,
           generate_series(1, greatest(char_length(run) - 1, 1)) AS i
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION rewrite_search_vector(headline text, summary text, title text) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('english', coalesce(headline, '')), 'A')
        || setweight(to_tsvector('english', coalesce(summary, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(title, '')), 'C')
        || setweight(to_tsvector('simple', cjk_bigrams(coalesce(title, '') || ' ' || coalesce(headline, ''))), 'D')
$$ LANGUAGE sql IMMUTABLE;

CREATE FUNCTION rewrites_rewrite_search_update() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := rewrite_search_vector(
        NEW.headline, NEW.summary,
        (SELECT canonical_title FROM clusters_cluster WHERE id = NEW.cluster_id));
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER rewrite_search_update
    BEFORE INSERT OR UPDATE OF headline, summary, cluster_id ON rewrites_rewrite
    FOR EACH ROW EXECUTE FUNCTION rewrites_rewrite_search_update();

CREATE FUNCTION clusters_cluster_search_update() RETURNS trigger AS $$
BEGIN
    UPDATE rewrites_rewrite
       SET search_vector = rewrite_search_vector(headline, summary, NEW.canonical_title)
     WHERE cluster_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER cluster_title_search_update
    AFTER UPDATE OF canonical_title ON clusters_cluster
    FOR EACH ROW WHEN (OLD.canonical_title IS DISTINCT FROM NEW.canonical_title)
    EXECUTE FUNCTION clusters_cluster_search_update();

UPDATE rewrites_rewrite r
   SET search_vector = rewrite_search_vector(r.headline, r.summary, c.canonical_title)
  FROM clusters_cluster c WHERE c.id = r.cluster_id;
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS cluster_title_search_update ON clusters_cluster;
DROP FUNCTION IF EXISTS clusters_cluster_search_update();
DROP TRIGGER IF EXISTS rewrite_search_update ON rewrites_rewrite;
DROP FUNCTION IF EXISTS rewrites_rewrite_search_update();
DROP FUNCTION IF EXISTS rewrite_search_vector(text, text, text);
DROP FUNCTION IF EXISTS cjk_bigrams(text);
"""


class Migration(migrations.Migration):
    """Full-text search over headline, summary and the cluster's canonical title.

    A trigger keeps rewrites_rewrite.search_vector current whatever writes the
    row (the ORM, bulk updates, imports). Japanese has no spaces for the
    full-text parser to split on, so runs of Japanese characters are also
    indexed as overlapping character pairs, searched as a phrase.
    """

    dependencies = [("rewrites", "0002_revisions_and_search"), ("clusters", "0001_initial")]

    operations = [migrations.RunSQL(SEARCH_SQL, REVERSE_SQL)]
