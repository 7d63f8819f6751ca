from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from sites.worker import TenantWorker


class Command(DbWorkerCommand):
    help = "Run background tasks, each in the schema of the site that enqueued it."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--warm-templates",
            nargs="?",
            const="all",
            default=None,
            metavar="THEMES",
            help="at start, queue the building of every theme's site template that is missing "
            "(or only of these, comma-separated), so that no site creation waits for one",
        )

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        max_tasks,
        worker_id,
        exclude_queues,
        warm_templates=None,
        **options,
    ):
        self.configure_logging(verbosity)
        if warm_templates:
            from sites.creation import enqueue_template_warming

            enqueue_template_warming(themes=None if warm_templates == "all" else warm_templates.split(","))
        worker = TenantWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        worker.run()
