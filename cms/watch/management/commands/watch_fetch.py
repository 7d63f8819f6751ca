from django.core.management import BaseCommand

from cms.watch import scheduling


class Command(BaseCommand):
    help = "Queue a fetch of every opinion-watch feed that is due (the worker fetches them)."

    def handle(self, *args, **options):
        self.stdout.write(f"{scheduling.enqueue_due_fetches()} feed(s) queued.")
