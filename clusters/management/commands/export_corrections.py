import json

from clusters.evaluation import corrections_from_database
from newsroom.commands import DatabaseCommand


class Command(DatabaseCommand):
    help = (
        "Writes editors' merges and moves of clusters (the Clusters page's changes) as JSON Lines, each with the "
        "articles involved, for `evaluate_clustering --corrections FILE` on this or another desk."
    )

    def handle(self, *args, **options):
        corrections, skipped = corrections_from_database()
        for correction in corrections:
            self.stdout.write(json.dumps(correction, ensure_ascii=False))
        if skipped:
            self.stderr.write(
                f"Skipped {skipped} change{'s' if skipped != 1 else ''} whose articles were not recorded or were deleted."
            )
