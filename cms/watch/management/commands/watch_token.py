from django.core.management import BaseCommand

from cms.watch import services


class Command(BaseCommand):
    help = "Make a token for the office's tools to read the opinion watch over GraphQL (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="what the token is for, e.g. 舆情大屏")
        parser.add_argument("--revoke", type=int, help="revoke the token with this id instead")

    def handle(self, *args, name, revoke=None, **options):
        if revoke:
            services.revoke_token(token_id=revoke)
            self.stdout.write(f"Token {revoke} revoked.")
            return
        key = services.issue_token(name=name)
        self.stdout.write(f"Authorization: Bearer {key}")
