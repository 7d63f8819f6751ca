"""The art forms shared by every site of the network, so feeds and search can filter across sites."""

from django.db import models


class ArtForm(models.TextChoices):
    LITERATURE = "literature", "文学"
    THEATRE = "theatre", "戏剧"
    FILM = "film", "电影"
    MUSIC = "music", "音乐"
    FINE_ARTS = "fine_arts", "美术"
    QUYI = "quyi", "曲艺"
    DANCE = "dance", "舞蹈"
    FOLK_ART = "folk_art", "民间文艺"
    PHOTOGRAPHY = "photography", "摄影"
    CALLIGRAPHY = "calligraphy", "书法"
    ACROBATICS = "acrobatics", "杂技"
    TELEVISION = "television", "电视"
