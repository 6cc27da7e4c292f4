from django.db import migrations

# The queue's filters are not independent of each other (a domain's stories are mostly of some types, an
# editor's assignments mostly in some statuses). Without these statistics the planner multiplies their
# selectivities, expects a rare combination to be common, and walks a sort index through every row looking
# for matches that are not there; with them it can tell a rare combination and sort its few matches.
# One object per pair of filters, so that each list of common value pairs is complete.
STATISTICS_SQL = """
CREATE STATISTICS IF NOT EXISTS rewrite_queue_status_domain (mcv) ON status, queue_domain FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_status_type (mcv) ON status, queue_content_type FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_status_stale (mcv) ON status, queue_stale FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_status_assigned (mcv) ON status, assigned_to_id FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_status_errors (mcv) ON status, (lint_errors > 0) FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_domain_type (mcv) ON queue_domain, queue_content_type FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_domain_stale (mcv) ON queue_domain, queue_stale FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_domain_assigned (mcv) ON queue_domain, assigned_to_id FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_domain_errors (mcv) ON queue_domain, (lint_errors > 0) FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_type_stale (mcv) ON queue_content_type, queue_stale FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_type_assigned (mcv) ON queue_content_type, assigned_to_id FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_type_errors (mcv) ON queue_content_type, (lint_errors > 0) FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_stale_assigned (mcv) ON queue_stale, assigned_to_id FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_stale_errors (mcv) ON queue_stale, (lint_errors > 0) FROM rewrites_rewrite;
CREATE STATISTICS IF NOT EXISTS rewrite_queue_assigned_errors (mcv) ON assigned_to_id, (lint_errors > 0) FROM rewrites_rewrite;
ANALYZE rewrites_rewrite;
"""

REVERSE_SQL = """
DROP STATISTICS IF EXISTS rewrite_queue_status_domain;
DROP STATISTICS IF EXISTS rewrite_queue_status_type;
DROP STATISTICS IF EXISTS rewrite_queue_status_stale;
DROP STATISTICS IF EXISTS rewrite_queue_status_assigned;
DROP STATISTICS IF EXISTS rewrite_queue_status_errors;
DROP STATISTICS IF EXISTS rewrite_queue_domain_type;
DROP STATISTICS IF EXISTS rewrite_queue_domain_stale;
DROP STATISTICS IF EXISTS rewrite_queue_domain_assigned;
DROP STATISTICS IF EXISTS rewrite_queue_domain_errors;
DROP STATISTICS IF EXISTS rewrite_queue_type_stale;
DROP STATISTICS IF EXISTS rewrite_queue_type_assigned;
DROP STATISTICS IF EXISTS rewrite_queue_type_errors;
DROP STATISTICS IF EXISTS rewrite_queue_stale_assigned;
DROP STATISTICS IF EXISTS rewrite_queue_stale_errors;
DROP STATISTICS IF EXISTS rewrite_queue_assigned_errors;
"""


class Migration(migrations.Migration):
    dependencies = [("rewrites", "0010_queue_columns")]

    operations = [migrations.RunSQL(STATISTICS_SQL, REVERSE_SQL)]
