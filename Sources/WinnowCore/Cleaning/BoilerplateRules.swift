// The phrase rules of the cleaner, as data. To add a rule, add a line; no code changes.
//
// Format: one rule per line, four columns separated by runs of spaces:
//
//     MATCH     RULE-NAME        ACTION        PATTERN (the rest of the line)
//
// MATCH   line      the whole line equals PATTERN
//         prefix    the line starts with PATTERN
//         contains  the line contains PATTERN (only lines of at most 300 bytes)
//         lead      the line starts with PATTERN, however long it is (cookie notices, legal paragraphs)
// ACTION  drop      remove the line
//         footer    remove the line and, once body text has been seen, every later line
//                   (lines after it that match a rule of their own are reported under that rule)
//         meta:KEY  move the line into the record's `meta` (KEY: byline, dateline, published, updated,
//                   tags, credits, generator, notes); the pattern is stripped from the value
// Matching ignores ASCII case and the whitespace around a line. A rule applies only to lines of at
// most 300 bytes, so a real paragraph that happens to start with a phrase is never removed.

let defaultBoilerplateRules = """
    # Comment and discussion widgets: where the article ends on most sites.
    line      comments                footer        Comments
    line      comments                footer        Comment
    line      comments                footer        Leave a comment
    line      comments                footer        Leave a Reply
    line      comments                footer        Join the conversation
    line      comments                footer        Show comments
    line      comments                footer        View comments
    line      comments                footer        Post a comment
    line      comments                footer        Top Rated Comments
    line      comments                footer        Top Comments
    line      comments                footer        Reader Comments
    prefix    comments                footer        Comments (
    line      comments                footer        Login or register to post comments
    line      comments                footer        Log in or register to post comments
    line      loading                 drop          Loading...
    line      loading                 drop          Loading…
    line      loading                 drop          Loading

    # Promotions of other articles.
    prefix    see-also                drop          See Also:
    prefix    see-also                drop          See also:
    prefix    read-more               drop          Read More:
    prefix    read-more               drop          Read more:
    prefix    read-more               drop          READ MORE:
    prefix    read-more               drop          Also Read:
    prefix    read-more               drop          Also read:
    prefix    read-more               drop          Read also:
    line      author-bio              footer        About the Author
    line      author-bio              footer        About the Author:
    line      related                 footer        Related Posts
    line      related                 footer        Related Posts:
    line      related                 footer        You might also like
    line      related                 footer        You might also like:
    prefix    read-more               drop          Related:
    prefix    read-more               drop          Related Articles
    prefix    read-more               drop          Related Stories
    prefix    read-more               drop          Recommended:
    line      read-more               drop          Read more
    line      read-more               drop          Read More
    line      read-more               drop          Continue reading
    line      promo-heading           drop          Did You Know?
    line      promo-heading           drop          Trending Now
    line      promo-heading           drop          Most Popular
    line      promo-heading           drop          Most Read
    line      promo-heading           drop          More from
    line      promo-heading           drop          You may also like
    line      promo-heading           drop          Recommended for you

    # Data and syndication attributions of the site, not of the article.
    prefix    site-attribution        drop          Market News and Data brought to you by
    prefix    site-attribution        drop          Copyright ©
    prefix    site-attribution        drop          © Copyright
    prefix    site-attribution        drop          All rights reserved

    # Sharing, subscription and sign-up calls to action.
    line      call-to-action          drop          Join Now: Free!
    prefix    call-to-action          drop          Join Now:
    prefix    call-to-action          drop          Sign up for
    prefix    call-to-action          drop          Subscribe to
    line      call-to-action          drop          Subscribe
    line      call-to-action          drop          Sign Up
    line      call-to-action          drop          Sign up
    line      call-to-action          drop          Log in
    line      call-to-action          drop          Sign In
    line      share                   drop          Share
    line      share                   drop          Share this article
    line      share                   drop          Share this
    line      share                   drop          Share on Facebook
    line      share                   drop          Share on Twitter
    line      share                   drop          Tweet
    line      share                   drop          Email
    line      share                   drop          Print
    line      advertisement           drop          Advertisement
    line      advertisement           drop          ADVERTISEMENT
    line      advertisement           drop          Sponsored
    line      cookie-notice           drop          Accept Cookies
    line      cookie-notice           drop          Accept all cookies
    lead      cookie-notice           drop          This website uses cookies
    lead      cookie-notice           drop          This site uses cookies
    lead      cookie-notice           drop          We use cookies
    lead      cookie-notice           drop          By continuing to use this
    lead      cookie-notice           drop          By using this site
    lead      cookie-notice           drop          By using our site
    lead      site-legal              drop          Quotes delayed at least
    lead      site-legal              drop          Quotes are delayed
    lead      site-legal              drop          Market data provided by
    lead      site-legal              drop          Copyright ©
    lead      site-legal              drop          © 20
    lead      comments                footer        Comments are closed
    lead      comments                footer        You must be logged in to
    line      comments                footer        Leave a Reply Cancel reply
    prefix    comments                footer        Leave a Reply
    lead      comments                footer        You can follow any responses to this entry
    lead      post-footer             footer        This entry was posted on
    line      navigation              footer        Previous Post
    line      navigation              footer        Next Post
    line      navigation              drop          Reply

    # Metadata: kept in `meta`, not in the body.
    prefix    tags                    meta:tags     Posted In:
    prefix    tags                    meta:tags     Posted in
    prefix    tags                    meta:tags     Tags:
    prefix    tags                    meta:tags     Topics:
    prefix    tags                    meta:tags     Filed under:
    prefix    tags                    meta:tags     Labels:
    prefix    image-credit            meta:credits  Images by
    prefix    image-credit            meta:credits  Image by
    prefix    image-credit            meta:credits  Image credit:
    prefix    image-credit            meta:credits  Image Credit:
    prefix    image-credit            meta:credits  Photo by
    prefix    image-credit            meta:credits  Photos by
    prefix    image-credit            meta:credits  Photo credit:
    prefix    image-credit            meta:credits  Photo:
    prefix    image-credit            meta:credits  Image:
    prefix    image-credit            meta:credits  Featured image:
    prefix    image-credit            meta:credits  Picture:
    prefix    generator-note          meta:generator  This story was generated
    prefix    generator-note          meta:generator  This article was generated
    prefix    generator-note          meta:generator  This story was written
    prefix    generator-note          meta:generator  This article was written with
    prefix    byline                  meta:byline   By
    prefix    byline                  meta:byline   Written by
    prefix    byline                  meta:byline   Words by
    prefix    updated                 meta:updated  Updated:
    prefix    updated                 meta:updated  Updated on
    prefix    updated                 meta:updated  Last updated
    prefix    updated                 meta:updated  Last Updated
    prefix    published               meta:published  Published:
    prefix    published               meta:published  Published on
    prefix    published               meta:published  Posted on
    """
