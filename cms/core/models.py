from django.db import models


class Milestone(models.Model):
    """A one-off job of the network that has finished (e.g. the demo network was built)."""

    name = models.CharField(max_length=100, unique=True)
    reached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "里程碑"
        verbose_name_plural = "里程碑"

    def __str__(self):
        return self.name
