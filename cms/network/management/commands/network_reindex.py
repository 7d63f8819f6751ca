from django.core.management.base import BaseCommand

from cms.network.index import reindex_network


class Command(BaseCommand):
    help = "Rebuild the national index from every site's page tree, site by site, with progress (resumable)."

    def handle(self, *args, **options):
        total = reindex_network(progress=self.stdout.write)
        self.stdout.write(f"完成：新增 {total.added}，更新 {total.updated}，移除 {total.removed}。")
