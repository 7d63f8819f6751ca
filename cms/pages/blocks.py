"""StreamField blocks of the shared page library, typed for GraphQL through grapple."""

from grapple.helpers import register_streamfield_block
from grapple.models import GraphQLDocument, GraphQLImage, GraphQLStreamfield, GraphQLString
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.embeds.blocks import EmbedBlock

from cms.media.preload import PreloadingDocumentChooserBlock, PreloadingImageChooserBlock


@register_streamfield_block
class ImageWithCaptionBlock(blocks.StructBlock):
    image = PreloadingImageChooserBlock(label="图片")
    caption = blocks.CharBlock(label="图片说明", required=False)

    graphql_fields = [GraphQLImage("image"), GraphQLString("caption")]

    class Meta:
        icon = "image"
        label = "图片"


@register_streamfield_block
class GalleryBlock(blocks.StructBlock):
    title = blocks.CharBlock(label="组图标题", required=False)
    images = blocks.ListBlock(ImageWithCaptionBlock(), label="图片", min_num=1)

    graphql_fields = [GraphQLString("title"), GraphQLStreamfield("images")]

    class Meta:
        icon = "image"
        label = "组图"


@register_streamfield_block
class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label="引文")
    attribution = blocks.CharBlock(label="出处", required=False)

    graphql_fields = [GraphQLString("text"), GraphQLString("attribution")]

    class Meta:
        icon = "openquote"
        label = "引用"


@register_streamfield_block
class AttachmentBlock(blocks.StructBlock):
    document = PreloadingDocumentChooserBlock(label="附件")
    title = blocks.CharBlock(label="显示名称", required=False)

    graphql_fields = [GraphQLDocument("document"), GraphQLString("title")]

    class Meta:
        icon = "doc-full"
        label = "附件"


class BodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        label="正文",
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link", "hr"],
    )
    image = ImageWithCaptionBlock()
    gallery = GalleryBlock()
    quote = QuoteBlock()
    video = EmbedBlock(label="视频", help_text="视频页面地址，例如央视网、哔哩哔哩的视频链接。")
    attachment = AttachmentBlock()
    table = TableBlock(label="表格")
