"""Example queries a front end sends; the README, the tests and the benchmark use them."""

# The fields a front page shows of each article, StreamField body included.
ARTICLE_FIELDS = """
      date summary author source tagNames artFormsDisplay { code name }
      cover { url srcSet(sizes: [320, 640]) rendition(fill: "640x360") { url width height } }
      body {
        blockType field
        ... on RichTextBlock { value }
        ... on ImageWithCaptionBlock { caption image { srcSet(sizes: [320, 640]) rendition(width: 800) { url } } }
        ... on GalleryBlock {
          title images { ... on ImageWithCaptionBlock { caption image { rendition(fill: "320x240") { url } } } }
        }
        ... on QuoteBlock { text attribution }
        ... on AttachmentBlock { title document { url title } }
        ... on TableBlock { rows firstRowIsHeader }
      }
"""

TYPICAL_PAGE_QUERY = """
query FrontPage {
  site { name shortName kindName parent { name } }
  navigation { label url children { label url } }
  contentPages(kind: ARTICLE, first: 20) {
    items { id title url ... on ArticlePage { ARTICLE_FIELDS } }
    pageInfo { hasNextPage endCursor }
  }
  siteSettings { sponsor icpNumber policeNumber siteCode copyright address phone }
}
""".replace("ARTICLE_FIELDS", ARTICLE_FIELDS)

# The same page built from stock wagtail-grapple's own queries: `pages` for the list and
# the menu (grapple has no navigation or site-identity query), with the same item fields
# (newest by publication time: grapple orders on the base Page, which has no `date`).
STOCK_PAGE_QUERY = """
query FrontPage {
  menu: pages(inMenu: true, limit: 20) { title url }
  pages(contentType: "pages.ArticlePage", limit: 20, order: "-first_published_at") {
    id title url ... on ArticlePage { ARTICLE_FIELDS }
  }
}
""".replace("ARTICLE_FIELDS", ARTICLE_FIELDS)
