from django.core.management.base import BaseCommand

from cms.search.services import reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild every site's search index (and the Elasticsearch index when ELASTICSEARCH_URL is set), with progress."
    )

    def handle(self, *args, **options):
        count = reindex_all(progress=self.stdout.write)
        self.stdout.write(f"完成：{count} 个网站的搜索索引已重建。")
