from django.db import migrations


class Migration(migrations.Migration):
    """The lexicon version: one row, moved on from a sequence (never reused, even after a rollback)."""

    dependencies = [("review", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS review_lexicon_version_seq;"
            "INSERT INTO review_lexiconversion (id, version) VALUES (1, 0);",
            "DROP SEQUENCE IF EXISTS review_lexicon_version_seq; DELETE FROM review_lexiconversion;",
        ),
    ]
