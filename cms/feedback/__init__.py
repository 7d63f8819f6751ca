"""The opinions channel (意见建议网上征集): campaigns, drafts for comment, submissions and their handling."""
