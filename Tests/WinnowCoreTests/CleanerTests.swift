import Foundation
import Testing
@_spi(Testing) import WinnowCore

/// The cleaner's rule families on real page excerpts (../shared/corpus/boilerplate/zyte): each test names the
/// lines that must go, with the rule that removes them, and the article lines that must stay.
@Suite struct CleanerTests {
    /// Cleans a page whose first line is the title; returns the text and the removals with their lines.
    func clean(_ name: String) throws -> (text: String, removed: [(rule: String, line: String)]) {
        let bytes = try fixture(name)
        let newline = try #require(bytes.firstIndex(of: 0x0A))
        let title = Array(bytes[..<newline])
        let body = Array(bytes[(newline + 1)...])
        let cleaned = body.withUnsafeBytes { body in title.withUnsafeBytes { Cleaner().clean(body: body, title: $0) } }
        // A span covers a run of lines removed by one rule: each of its lines, with the span's rule.
        let removed = cleaned.removed.flatMap { removal in
            String(decoding: body[removal.bodyOffset..<(removal.bodyOffset + removal.length)], as: UTF8.self)
                .split(separator: "\n")
                .filter { !$0.allSatisfy(\.isWhitespace) }
                .map { (removal.rule, String($0)) }
        }
        return (String(decoding: cleaned.text, as: UTF8.self), removed)
    }

    /// What kind of comment frame a line is, if any.
    func signature(of line: String) -> Cleaner.CommentSignature? {
        Array(line.utf8).withUnsafeBytes { Cleaner.commentSignature($0) }
    }

    func rule(of prefix: String, in removed: [(rule: String, line: String)]) -> String? {
        removed.first { $0.line.hasPrefix(prefix) }?.rule
    }

    /// The cleaned article of a fixture whose first line is the title.
    func cleaned(_ name: String, by cleaner: Cleaner = Cleaner()) throws -> CleanedArticle {
        let bytes = try fixture(name)
        let newline = try #require(bytes.firstIndex(of: 0x0A))
        let (title, body) = (Array(bytes[..<newline]), Array(bytes[(newline + 1)...]))
        return body.withUnsafeBytes { body in title.withUnsafeBytes { cleaner.clean(body: body, title: $0) } }
    }

    /// A Slashdot story (dragnet-dev page 257): a one-paragraph post, then a thread of seven comments several
    /// times its length. The post is the article; the comments' sentences go to `comments`, their frames go.
    @Test func aCommentThreadLongerThanThePostIsKeptApartNotTakenForTheArticle() throws {
        let article = try cleaned("dragnet-comments-slashdot.txt")
        let text = String(decoding: article.text, as: UTF8.self)
        let comments = String(decoding: article.comments, as: UTF8.self)
        #expect(text.hasPrefix("New submitter Ahab's compliments writes"))
        #expect(!text.contains("Federal Court Justice Annabelle Bennett"))
        #expect(article.commentCount == 7)
        #expect(comments.hasPrefix("Keep in mind Federal Court Justice Annabelle Bennett"))
        #expect(comments.contains("Of course you pay him to tell you that:)"))
        #expect(!comments.contains("writes:") && !comments.contains("Reply to This"), "the frames are not the comments")
        let (_, removed) = try clean("dragnet-comments-slashdot.txt")
        #expect(rule(of: "by SJ2000 (1128057) writes:", in: removed) == "comment-thread")
        #expect(article.removed.contains { $0.rule == "comment-thread" && $0.disposition == .comments })
    }

    /// A photo post (dragnet-dev page R627): one paragraph, then comments framed by "Name 07 Nov 12" lines and
    /// no other mark. Each frame is a commenter and a date: the thread is found, and the post alone is the text.
    @Test func commentsFramedByANameAndADateAreAThread() throws {
        let article = try cleaned("dragnet-comments-dated.txt")
        let text = String(decoding: article.text, as: UTF8.self)
        #expect(text.contains("Great design from Apple on this interaction with Siri."))
        #expect(!text.contains("Love it. The little details"))
        #expect(article.commentCount >= 5)
        let comments = String(decoding: article.comments, as: UTF8.self)
        #expect(comments.hasPrefix("Love it. The little details that matter"))
        #expect(!comments.contains("07 Nov 12"), "the frames are not the comments")
    }

    /// A blog post (dragnet-dev page R892) whose comments, framed by bare names, follow its "PREVIOUS POST" link:
    /// the link between posts ends the post.
    @Test func aLinkToThePreviousPostEndsThePost() throws {
        let (text, removed) = try clean("dragnet-previous-post.txt")
        #expect(text.hasPrefix("For those who remember, in 2011, I embarked on a challenge."))
        #expect(text.hasSuffix("It’s time to change that."))
        #expect(rule(of: "PREVIOUS POST", in: removed) == "navigation")
        #expect(rule(of: "Alayna F", in: removed) == "after-navigation")
        #expect(!text.contains("Mike Merrill") && !text.contains("I know EXACTLY how you feel"))
    }

    /// A one-line blog post (dragnet-dev page 312) under its headline, with the blogger's "about me" blurb, a
    /// longer paragraph, in the sidebar: the lines under the headline, up to the comments marker, are the post.
    @Test func aShortPostUnderItsHeadlineIsTheArticleNotTheSidebarBlurb() throws {
        let (text, removed) = try clean("dragnet-post-under-headline.txt")
        #expect(text.hasPrefix("via hammacher.com\n\nThis plays with your right brain in a big way."))
        #expect(!text.contains("I live. I learn. I teach."))
        #expect(rule(of: "The Human Bowling Ball", in: removed) == "title-repeat")
        #expect(rule(of: "0 responses", in: removed) == "comments")
    }

    /// A hymn on a blog (dragnet-dev page R138): short lines under the headline, up to its "TOPICS:" line, are the
    /// post; the headline again in the list of recent posts, and the site's blurb, are not.
    @Test func aPoemUnderItsHeadlineIsKeptUpToItsTagsLine() throws {
        let (text, removed) = try clean("dragnet-poem.txt")
        #expect(text.hasPrefix("Posted by Jeremy Walker\n8 8 6. D (Tresalem)\nI wander often from the way,\nAnd sin afflicts me every day:"))
        #expect(text.hasSuffix("And there is certainty.\nJeremy Walker\nPosted October 27, 2012 @ 3:28 PM by Jeremy Walker"))
        #expect(!text.contains("We exist to call the Church"))
        #expect(rule(of: "TOPICS:", in: removed) == "tags")
        #expect(rule(of: "Giving the Puritans a Bad Rap", in: removed) != nil)
    }

    /// A BBC Future column (dragnet-dev page 145) titled "BBC - Future - Technology - The madness of net scare
    /// stories": its headline is the title's last part. Repeated again in the page's footer, it does not start the
    /// article there.
    @Test func aHeadlineAfterTheSiteNameRepeatsTheTitle() throws {
        let (text, removed) = try clean("dragnet-title-after-site.txt")
        #expect(removed.filter { $0.line == "The madness of net scare stories" }.map(\.rule) == ["title-repeat", "title-repeat"])
        #expect(text.hasPrefix("A recent front-page story that questioned the sanity of web users"))
        #expect(text.hasSuffix("as well as cut us off."))
        #expect(!text.contains("Want to see more of the future?"))
    }

    /// A blog post titled "Quotation of the Day « Healthcare Economist" (dragnet-dev page R485): both parts of the
    /// title, on either side of the guillemet, are title repeats, not a menu and a short line.
    @Test func aGuillemetSeparatesTheTitlesPartsAndTheFooterEndsThePost() throws {
        let (text, removed) = try clean("dragnet-title-guillemet.txt")
        #expect(rule(of: "Healthcare Economist", in: removed) == "title-repeat")
        #expect(rule(of: "Quotation of the Day", in: removed) == "title-repeat")
        #expect(text.contains("And dreams that storms will bring him peace."))
        // WordPress's footer under the post: its categories go to `meta`, the feed prompt ends the article.
        #expect(rule(of: "Posted in Miscellaneous, Quotation", in: removed) == "tags")
        #expect(rule(of: "You can follow any responses to this entry", in: removed) == "comments")
        #expect(try cleaned("dragnet-title-guillemet.txt").meta.tags == ["Miscellaneous", "Quotation"])
    }

    /// A recipe (dragnet-dev page R386): its ingredient lists, each line a quantity in sentence case, are lists
    /// between the paragraphs, even past twelve items and with a heading or an unmeasured item among them.
    @Test func aListOfQuantitiesIsPartOfTheArticle() throws {
        let (text, removed) = try clean("dragnet-recipe.txt")
        #expect(text.contains("For dinner, the filling was as follows...\nRavioli Filling\n1 tbs. olive oil\n2 medium onions"))
        #expect(text.contains("salt and pepper\n16oz (1 block) firm tofu, crumbled"))
        #expect(text.contains("1/4 cup water (add more if needed)\nMix the wet ingredients"))
        #expect(removed.allSatisfy { !$0.line.hasPrefix("1/2 cup") })
        #expect(rule(of: "skip to main", in: removed) == "short-line")
    }

    /// A recipe blog post (dragnet-dev page R916) that ends in its ingredients: a run of quantities counts as text
    /// in the search for the article, so the list is not cut off as a menu after it. Blogger's "Labels:" line is
    /// the post's tags.
    @Test func aListOfQuantitiesAfterTheProseIsTheArticlesEnd() throws {
        let (text, removed) = try clean("dragnet-recipe-at-start.txt")
        #expect(text.contains("this really is a fantastic"))
        #expect(text.hasSuffix("Ingredients for one pumpkin pie:\n1 can (15 ounce) pumpkin\n1 large egg\n3 egg yolks"
            + "\n1 can (14 ounce) sweetened condensed milk\n1/4 teaspoon freshly, and very finely ground nutmeg"
            + "\n1 teaspoon ground cinnamon\n1/2 teaspoon ground ginger\n1/8 tsp Chinese 5-spice (or to sub: a small pinch"
            + " each of ground star anise, ground cloves, and ground white pepper)\n1/2 teaspoon fine salt"))
        #expect(rule(of: "Posted by Chef John", in: removed) != nil)
        #expect(rule(of: "Labels: Dessert", in: removed) == "tags")
        #expect(try cleaned("dragnet-recipe-at-start.txt").meta.tags == ["Dessert"])
    }

    /// A paragraph broken mid-sentence by a line break (dragnet-dev page R38): its short last lines, starting in
    /// lower case right under it, are the rest of it.
    @Test func theRestOfAParagraphBrokenMidSentenceStays() throws {
        let (text, removed) = try clean("dragnet-broken-paragraph.txt")
        #expect(text.contains("not enough juice in them to close the\ncircuit on more than two strobes. So for six strobes it"
            + " would take 3\nslaves.\n\nOf course"))
        #expect(rule(of: "Add New comment", in: removed) == "menu")
    }

    /// Three pages with a comment count ("270 Comments", "4 Comments"), a line the cross-page memory learns as the
    /// sites' (its digits folded): on a film review (dragnet-dev page R990) the count still heads the thread,
    /// which is kept apart; on a news page (T6) the last count after the article ends it before the teasers; on
    /// a post with the count under its headline (T154) the count does not start a thread above the post.
    @Test func aCommentCountTheMemoryKnowsStillHeadsTheThread() throws {
        let names = ["dragnet-count-thread.txt", "dragnet-count-teasers.txt", "dragnet-count-under-headline.txt"]
        var memory = LineMemory()
        for name in names { try fixture(name).withUnsafeBytes { memory.observe($0) } }
        // The count lines of three more pages of the set (198, R727, R111): with them each count is in three
        // pages.
        for line in ["309 Comments", "119 Comments", "0 Comments"] { Array(line.utf8).withUnsafeBytes { memory.observe($0) } }
        let cleaner = Cleaner(memory: memory)
        func clean(_ name: String) throws -> (text: String, comments: String) {
            let article = try cleaned(name, by: cleaner)
            return (String(decoding: article.text, as: UTF8.self), String(decoding: article.comments, as: UTF8.self))
        }
        let review = try clean(names[0])
        #expect(review.text.contains("In this 50th year of the James Bond series"))
        #expect(!review.text.contains("Skyfall\" on IMAX"))
        #expect(review.comments.contains("Just saw \"Skyfall\" on IMAX."))
        let news = try clean(names[1])
        #expect(news.text.hasSuffix("“She’s the regular person, she’s the human, she’s the overwhelmed ‘Whaaa?’ of it all,” Fraction says."))
        let post = try clean(names[2])
        #expect(post.text.hasPrefix("For those of you in or around Ōtautahi/Christchurch"))
        #expect(!post.text.contains("Canterbury Farming"))
    }

    /// A TypePad blog post (dragnet-dev page R393) in a run that knows the platform's lines (its comment form,
    /// "TrackBack", the sidebar's headings: `dragnet-typepad-lines.txt`, lines the set's other pages share). With
    /// them gone, the sidebar's recent comments read as a long run of text; the "Comments" heading after the
    /// post must still end the search for the article, though the blog's disclaimer after it is one paragraph
    /// as strong as the post's best: a lone paragraph is not the article going on.
    @Test func aLoneParagraphAfterTheCommentsHeadingDoesNotKeepTheSearchGoing() throws {
        var memory = LineMemory()
        let shared = try fixture("dragnet-typepad-lines.txt")
        for page in 0..<memory.threshold {
            (shared + Array("\npage \(page)".utf8)).withUnsafeBytes { memory.observe($0) }
        }
        let article = try cleaned("dragnet-disclaimer-after-comments.txt", by: Cleaner(memory: memory))
        let text = String(decoding: article.text, as: UTF8.self)
        #expect(text.contains("I love the impact of the community (and ultimately the individual)."))
        #expect(text.contains("built off the work of Henri (a great VNXe customer)"))
        #expect(!text.contains("Nick on An important vSphere 4 storage bug and workaround"))
        #expect(!text.contains("The opinions expressed here are my personal opinions."))
    }

    /// A news story (dragnet-dev page R377) closed by its "Tags:" line: the tags go to `meta`, and the teasers,
    /// white papers and ads after them are not the article, though some read as sentences.
    @Test func aTagsLineAfterTheTextEndsTheArticle() throws {
        let (text, removed) = try clean("dragnet-tags-end.txt")
        #expect(text.hasSuffix("Send news tips and comments to mikael_ricknas@idg.com."))
        #expect(rule(of: "Tags: Processors", in: removed) == "tags")
        #expect(rule(of: "Can IT security risk really be measured?", in: removed) == "after-tags")
        #expect(try cleaned("dragnet-tags-end.txt").meta.tags == ["Processors", "M&A", "Smartphones", "ARM"])
    }

    /// A blog post (dragnet-dev page R52) followed by its "Related Posts": the heading ends the post, and the
    /// related headlines, the plea to like it and the comments after it are not the article.
    @Test func relatedPostsEndThePost() throws {
        let (text, removed) = try clean("dragnet-related-posts.txt")
        #expect(text.hasSuffix("Have you before? How did it turn out?"))
        #expect(rule(of: "Related Posts", in: removed) == "related")
        #expect(rule(of: "Cornbread and Andouille Sausage Dressing", in: removed) == "after-related")
        #expect(rule(of: "If you found this post useful", in: removed) == "after-related")
    }

    /// A post (dragnet-dev page R689) with two bulleted lists under their own headings: runs of bulleted lines
    /// count as text in the search for the article, so the lists, their headings and the paragraph after them
    /// stay.
    @Test func bulletedListsUnderHeadingsStayInTheArticle() throws {
        let (text, _) = try clean("dragnet-bulleted-lists.txt")
        #expect(text.contains("The Role of a Copywriter\n\n- Generate a Relationship with the Reader"))
        #expect(text.contains("The Written Material and What it Includes\n\n- Guest Blogging\n- SEO Articles"))
        #expect(text.contains("- Infographics\n\nWhile this is only a small insight into the role of a copywriter"))
    }

    /// A link post (dragnet-dev page R112) followed by "About the author" and the author's bio: the heading ends
    /// the post; the bio, a sentence that reads as text, is the site's.
    @Test func aboutTheAuthorEndsThePost() throws {
        let (text, removed) = try clean("dragnet-author-bio.txt")
        #expect(text.hasSuffix("New Peril for Parents: Their Kids’ Student Loans – Who else is going through this?"))
        #expect(rule(of: "About the author", in: removed) == "author-bio")
        #expect(rule(of: "Mary Brock is a scientist", in: removed) == "after-author-bio")
    }

    /// A Drupal blog (dragnet-dev page T145): "Login or register to post comments" under the article ends it; the
    /// related headlines and the thread after it are not the article.
    @Test func aDrupalCommentPromptEndsTheArticle() throws {
        let (text, removed) = try clean("dragnet-drupal-comments.txt")
        #expect(text.hasSuffix("to achieve savings."))
        #expect(rule(of: "Login or register to post comments", in: removed) == "comments")
        #expect(rule(of: "Similar Articles You Might Enjoy:", in: removed) == "after-comments")
        #expect(!text.contains("Alec, I'll take Gold"))
    }

    @Test func theThreadOfAPageWithAMarkerKeepsItsCommentsToo() throws {
        let article = try cleaned("zyte/comments-pft.txt")
        #expect(article.commentCount >= 3)
        #expect(String(decoding: article.comments, as: UTF8.self).contains("It’s a good thing we have no fans left"))
    }

    @Test(arguments: [
        ("by SJ2000 (1128057) writes: on Tuesday July 24, @09:07AM (#40748091) Homepage", Cleaner.CommentSignature.name),
        ("thelastchargersfan says:", .name),
        ("Re:Deceptive Summary (Score: 5, Insightful)", .score),
        ("November 19, 2019 at 6:34 am", .time),
        ("Reply", .reply),
        ("Reply to This Parent Share", .reply),
        ("Matt Jaycox | November 9, 2012 12:13 AM | Reply", .reply),
        ("Posted by: Ryan at November 13, 2012 6:33 AM", .time),
        ("Posted by: javio | November 08, 2012 at 06:49 PM", .time),
        ("October 2, 2012, | Permalink", .time),
        ("Jermaine 07 Nov 12", .time),
        ("Kelly October 29, 2012 3:20 PM", .time),
        ("Hamza Sheikh on November 6, 2012 4:06 pm", .time),
        ("phpguy 07.22.12 at 20:33", .time),
    ])
    func commentFrames(line: String, kind: Cleaner.CommentSignature) {
        #expect(signature(of: line) == kind)
    }

    /// A post's own permalink line, under the post, is not a comment's frame.
    @Test(arguments: ["Posted at 11:09 AM | Permalink", "Posted by Seth Godin on July 14, 2012 | Permalink", "Permalink"])
    func aPostsPermalinkIsNotACommentFrame(line: String) {
        #expect(signature(of: line) == nil)
    }

    /// News quotes its sources with "… said:"; three of them are not a comment thread.
    @Test func quotesIntroducedWithSaidAreNotCommentFrames() throws {
        var body = String(decoding: try fixture("bbc/business-001.txt"), as: UTF8.self)
        for _ in 0..<3 { body = body.replacing("\n\n", with: "\n\nA spokesman said:\n", maxReplacements: 1) }
        for line in ["The minister said:", "Replying to critics, he said:"] {
            #expect(signature(of: line) == nil)
        }
        var bytes = Array(body.utf8)
        let article = bytes.withUnsafeMutableBytes { Cleaner().clean(body: UnsafeRawBufferPointer($0), title: UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(article.commentCount == 0 && article.comments.isEmpty)
        #expect(!article.removed.contains { $0.rule == "comment-thread" })
    }

    @Test func aCommentThreadWithoutAMarkerLineEndsTheArticle() throws {
        let (text, removed) = try clean("zyte/comments-pft.txt")
        #expect(text.hasPrefix("Chargers coach Anthony Lynn recognizes"))
        #expect(text.contains("would probably not make the playoffs even if they win out"))
        // "34 responses to …" starts the thread; everything after it goes, however long the comments are.
        #expect(rule(of: "34 responses to", in: removed) == "comments")
        #expect(rule(of: "It’s a good thing we have no fans left", in: removed) == "comment-thread")
        #expect(!text.contains("dumpster fire"))
        // The share bar is short lines and menus.
        #expect(rule(of: "Share this:", in: removed) == "menu")
        #expect(rule(of: "Click to share on Facebook", in: removed) == "short-line")
    }

    /// Datelines and bylines name a date too, once per article: they are not a commenter's frame.
    @Test(arguments: [
        "Tuesday November 19, 2019", "By Iddo on August 1st, 2012", "Posted on Nov 1st 2012 11:00AM",
        "Updated July 24, 2012, 9:16 a.m. ET", "Paris, 12 May 2019", "Top 10 of November 2012",
        "March 3, 2012 was a Saturday", "Version 1.2.3 notes", "Results 3-2-1",
    ])
    func datelinesAndBylinesAreNotCommentFrames(line: String) {
        #expect(signature(of: line) == nil)
    }

    @Test func commentersNameAndTimeLinesAreRecognised() {
        func check(_ line: String, _ body: (UnsafeRawBufferPointer) -> Bool) -> Bool {
            Array(line.utf8).withUnsafeBytes(body)
        }
        #expect(check("thelastchargersfan says:", Cleaner.endsLikeCommenterName))
        #expect(check("November 19, 2019 at 6:34 am", Cleaner.isCommentTime))
        #expect(check("2 days ago at 07:52 am", Cleaner.isCommentTime))
        #expect(check("[ 167 comments ]", Cleaner.isCommentCountHeader))
        #expect(check("5 thoughts on “Meal Prep”", Cleaner.isCommentCountHeader))
        #expect(check("{ 12 comments… read them below or add one }", Cleaner.isCommentCountHeader))
        #expect(!check("12 commentators agreed that the plan would fail.", Cleaner.isCommentCountHeader))
        #expect(!check("The minister says:", Cleaner.isCommentTime))
    }

    @Test func bylinesAreNamesNotSentences() {
        // Values after "By " on real pages (../shared/corpus/boilerplate/zyte).
        for names in ["Jamelle Bouie", "Meg James Staff Writer", "Eric Song, IGN Staff", "Ludwig van Beethoven", "Émile Zola"] {
            #expect(Cleaner.looksLikeNames(names), "\(names)")
        }
        for sentence in [
            "clicking Confirm Account, I agree to the terms of service and privacy policy of Rogers Media.",
            "most accounts, the law worked.", "signing up, you agree to our Privacy Policy", "the way",
        ] {
            #expect(!Cleaner.looksLikeNames(sentence), "\(sentence)")
        }
    }

    @Test func aNumberedListAfterTheProseStays() throws {
        let (text, removed) = try clean("zyte/numbered-list-remember.txt")
        #expect(text.hasPrefix("Il black Friday incombe su di noi"))
        for item in ["1) Lego Star Wars 75188", "2) Polistil 960574 Pista Elettrica", "22) Hasbro Gaming"] {
            #expect(text.contains(item), "list item \(item) was removed")
        }
        // What follows the list is not the article.
        #expect(rule(of: "Amazon black Friday Natale regali", in: removed) != nil)
    }

    /// The fixture is the article, then its own teaser and opening as the page repeats them further down
    /// (the menus between them left out).
    @Test func teasersRepeatingTheArticlesStartGo() throws {
        let (text, removed) = try clean("zyte/repeats-bi.txt")
        let opening = "Good morning! This is the tech news you need to know this Tuesday."
        #expect(text.hasPrefix(opening))
        #expect(text.components(separatedBy: "Good morning!").count == 2, "the opening appears once")
        #expect(removed.contains { $0.rule == "repeat" && $0.line.hasPrefix("Good morning! This is the tech news you need to...") })
        #expect(removed.contains { $0.rule == "repeat" && $0.line.hasPrefix("Good morning! This is the tech news you need to know this Tuesday. The") })
        #expect(rule(of: "Impressum", in: removed) == "menu")
    }

    @Test func onlyLinesEqualToAnEarlierOneAreRepeats() throws {
        // A BBC article's paragraphs, then one of them with a word in its middle changed (same length, same
        // first and last 40 bytes, so the same key in the search for repeats), then both again.
        let bytes = try fixture("bbc/tech-001.txt")
        let article = String(decoding: bytes, as: UTF8.self)
        let paragraphs = article.components(separatedBy: "\n\n").dropFirst()
        let original = try #require(paragraphs.first { $0.contains("backsliding from the high point") })
        let changed = original.replacingOccurrences(of: "backsliding", with: "withdrawing")
        #expect(changed.utf8.count == original.utf8.count && changed != original)
        let body = Array((paragraphs.joined(separator: "\n\n") + "\n\n" + changed + "\n\n" + original + "\n\n" + changed).utf8)
        let cleaned = body.withUnsafeBytes { body in Cleaner().clean(body: body, title: UnsafeRawBufferPointer(start: nil, count: 0)) }
        let text = String(decoding: cleaned.text, as: UTF8.self)
        #expect(text.components(separatedBy: original).count == 2, "the paragraph is kept once")
        #expect(text.components(separatedBy: changed).count == 2, "the changed paragraph is not a repeat, once")
        // The last two paragraphs, one span.
        let repeats = cleaned.removed.filter { $0.rule == "repeat" }
        #expect(repeats.map(\.bodyOffset) == [body.count - changed.utf8.count - 2 - original.utf8.count])
    }

    @Test func theTitleRepeatedInThePageIsNotInTheText() throws {
        let (text, removed) = try clean("zyte/numbered-list-remember.txt")
        #expect(rule(of: "Black Friday per nostalgici: le occasioni da non perdere", in: removed) == "title-repeat")
        #expect(!text.contains("Black Friday per nostalgici: le occasioni"))
    }
}

extension CleanerTests {
    @Test func aDataTableIsContentHoweverShortItsRows() throws {
        let (text, _) = try clean("zyte/table-stockcar.txt")
        #expect(text.contains("Calendário da Stock Car 2018") || text.hasPrefix("1a etapa"))
        for row in ["1a etapa: 10 de março – Interlagos", "7a etapa: 19 de agosto – A ser divulgado", "12a etapa: 9 de dezembro – Interlagos"] {
            #expect(text.contains(row), "table row \(row) was removed")
        }
    }

    @Test func datelinesOfOtherArticlesEndTheArticle() throws {
        let (text, removed) = try clean("zyte/related-dates-examiner.txt")
        #expect(text.hasPrefix("With Hong Kong protests exploding to new levels"))
        #expect(text.hasSuffix("In short, slaughter is likely coming to Hong Kong."))
        #expect(removed.contains { $0.rule == "related-list" && $0.line.hasPrefix("Wednesday November 20, 2019") })
        #expect(!text.contains("Joker killed at the box office."))
    }

    @Test func dateLinesAreRecognised() {
        func isDate(_ line: String) -> Bool { Array(line.utf8).withUnsafeBytes(Cleaner.isDateLine) }
        #expect(isDate("Wednesday November 20, 2019"))
        #expect(isDate("November 19th, 2019 at 8:40 AM"))
        #expect(!isDate("The 2019 season ended in November."))
        #expect(!isDate("Top 10 lists"))
        // The year is found wherever it falls in the eight-byte steps of the pre-check, and at either end.
        for pad in 0...26 {
            let before = String(repeating: "x", count: pad)
            let after = String(repeating: "y", count: 26 - pad)
            #expect(isDate(before + " 1999 May " + after), "year at \(pad + 1)")
            #expect(isDate(before + " 2041 July " + after.dropLast()), "year at \(pad + 1)")
            #expect(!isDate(before + " 1899 May " + after))
        }
    }
}

/// The cleaner's line measurements (word ends found eight bytes at a time, stopwords in a perfect
/// hash table) against a plain count, on real text of several scripts and on lines built to fall on every
/// boundary of the eight-byte steps.
@Suite struct LineFeatureTests {
    @Test(arguments: [
        "zyte/comments-pft.txt", "zyte/numbered-list-remember.txt", "zyte/related-dates-examiner.txt", "zyte/repeats-bi.txt",
        "bbc/business-001.txt", "bbc/sport-199.txt", "bbc/tech-001.txt", "arabic-8.jsonl", "ria-2.jsonl", "nepali-bom.txt",
    ])
    func agreeWithAPlainCount(fixtureName: String) throws {
        let text = try fixture(fixtureName)
        #expect(text.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
    }

    @Test func agreeOnEveryAlignment() {
        // Words of every length from 1 to 20, stopwords among them, capitals, digits, separators, tabs, runs of
        // spaces and ideographs, each line shifted by 0 to 8 bytes so that words start and end at every
        // position of a step.
        let pieces = [
            "a", "of", "The", "THE", "and", "Because", "themselves", "x", "7", "42nd", "A|B", "home>news", "中文", "日本語テキスト",
            "\t", "   ", "ourselves", "internationalisation", "été", "сообщает", "في", "abcdefghijklmnop", "abcdefghijklmnopq",
        ]
        var text = ""
        for shift in 0...8 {
            for start in pieces.indices {
                let words = (0..<12).map { pieces[(start + $0 * 7) % pieces.count] }
                text += String(repeating: " ", count: shift) + words.joined(separator: " ") + "\n"
                text += String(repeating: "x", count: shift) + words.joined() + "\n"
            }
        }
        var bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
        // The last line ends the buffer on a word of 1 to 16 bytes: nothing past it is read.
        for length in 1...17 {
            bytes = Array(("the end of " + String(repeating: "w", count: length)).utf8)
            #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
        }
    }
}

extension LineFeatureTests {
    @Test func agreeAcrossBlocksOfPlainText() {
        // ASCII lines long enough for the 64-byte blocks, with words of 1 to 20 bytes on every position of a
        // block's edge (each line starts with a word of 0 to 70 bytes), words longer than a block, and lines
        // that end inside a block with the next line after them.
        let pieces = [
            "a", "of", "The", "THE", "and", "Because", "themselves", "x", "7", "42nd", "\t", "   ", "ourselves",
            "internationalisation", "abcdefghijklmnop", "abcdefghijklmnopq", "THEM", "it's", "U.S.",
        ]
        var text = ""
        for lead in 0...70 {
            for start in pieces.indices {
                let words = (0..<(start % 5 == 0 ? 4 : 14)).map { pieces[(start + $0 * 7) % pieces.count] }
                text += String(repeating: "y", count: lead) + " " + words.joined(separator: " ") + "\n"
            }
        }
        text += String(repeating: "z", count: 150) + " the end\n" + String(repeating: "Word ", count: 40) + "\n"
        let bytes = Array(text.utf8)
        #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
    }

    @Test func agreeAcrossBlocksOfAnyScript() {
        // The same with words outside ASCII: accented Latin, Cyrillic and Arabic stopwords, curly quotes,
        // separators, ideographs alone and against other words ("a中b"), so that an ideograph's three bytes fall
        // on every position of a block's edge; and broken ideographs (a lead byte without its two continuation
        // bytes, or cut off by the line's end) that the blocks must leave to the word-by-word scan.
        let pieces = [
            "a", "of", "The", "été", "сообщает", "في", "“quoted”", "it’s", "home>news", "A|B|C", "中", "中文字", "a中b",
            "日本語テキスト", "NEWS", "42nd", "\t", "internationalisation", "très", "Über", "и", "x¤y", "¤\u{80}", "¤¤中",
        ]
        var text = ""
        for lead in 0...70 {
            for start in pieces.indices {
                let words = (0..<(start % 5 == 0 ? 4 : 14)).map { pieces[(start + $0 * 7) % pieces.count] }
                text += String(repeating: "y", count: lead) + " " + words.joined(separator: start % 3 == 0 ? "" : " ") + "\n"
            }
            text += String(repeating: "y", count: lead) + " " + String(repeating: "中", count: 30) + "\n"
        }
        // "¤" stands for a lone lead byte, E3.
        var bytes: [UInt8] = []
        for b in text.utf8 {
            if b == 0xA4 && bytes.last == 0xC2 { bytes[bytes.count - 1] = 0xE3 } else { bytes.append(b) }
        }
        #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
        // Lines that end on an ideograph's lead byte, or one byte after it, at every position of a block.
        for length in 24...70 {
            for cut in [1, 2] {
                let line = Array(String(repeating: "w ", count: length / 2).utf8) + Array("中".utf8).prefix(cut)
                bytes = line + Array("\nthe next line is here, long enough to read past".utf8)
                #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
                bytes = line
                #expect(bytes.withUnsafeBytes { Cleaner.lineFeatureDisagreements(in: $0) } == [])
            }
        }
    }
}

/// Bodies with far more lines than articles have: memory must not grow with them, and nothing may be lost.
@Suite struct ManyLineTests {
    func clean(_ body: [UInt8], title: String) -> CleanedArticle {
        let title = Array(title.utf8)
        return body.withUnsafeBytes { body in title.withUnsafeBytes { Cleaner().clean(body: body, title: $0) } }
    }

    @Test func aRunOfBlankLinesIsOneParagraphBreak() throws {
        let article = try fixture("bbc/tech-001.txt")
        let newline = try #require(article.firstIndex(of: 0x0A))
        let title = String(decoding: article[..<newline], as: UTF8.self)
        let body = Array(article[(newline + 1)...])
        // The same article with 100,000 blank lines (some with spaces) between its paragraphs.
        var padded: [UInt8] = []
        for byte in body {
            padded.append(byte)
            if byte == 0x0A { padded += Array(repeating: [0x0A, 0x20, 0x0A], count: 5_000).flatMap { $0 } }
        }
        let expected = clean(body, title: title)
        let cleaned = clean(padded, title: title)
        #expect(cleaned.text == expected.text)
        #expect(cleaned.paragraphs == expected.paragraphs)
        #expect(cleaned.removed.map(\.rule) == expected.removed.map(\.rule))
    }

    @Test func footerMarkersWithMostOfTheArticleAfterThemDoNotEndIt() throws {
        // The article's first paragraph, 2,000 "Comments" lines (a share bar repeated), then the rest of it: no
        // marker has as much text before it as after it, so every paragraph stays. The same marker after the
        // whole article ends it.
        let article = try fixture("bbc/business-001.txt")
        let newline = try #require(article.firstIndex(of: 0x0A))
        let title = Array(article[..<newline])
        let paragraphs = String(decoding: article[(newline + 1)...], as: UTF8.self)
            .components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let markers = String(repeating: "Comments\n", count: 2_000)
        let rest = paragraphs.dropFirst().joined(separator: "\n\n")
        func clean(_ body: String) -> CleanedArticle {
            Array(body.utf8).withUnsafeBytes { body in title.withUnsafeBytes { Cleaner().clean(body: body, title: $0) } }
        }
        let early = clean(paragraphs[0] + "\n" + markers + "\n" + rest + "\n")
        let text = String(decoding: early.text, as: UTF8.self)
        for paragraph in paragraphs { #expect(text.contains(paragraph.trimmingCharacters(in: .whitespacesAndNewlines))) }
        #expect(early.removed.map(\.rule) == ["comments"])

        let late = clean(paragraphs.joined(separator: "\n\n") + "\n" + markers + "Great article, thanks for writing it up.\n")
        #expect(late.removed.map(\.rule) == ["comments", "after-comments"])
        #expect(!String(decoding: late.text, as: UTF8.self).contains("Great article"))
    }

    @Test func removedSpansPastTheLimitAreCountedNotListed() throws {
        // Lines alternating between two rules ("menu", "short-line"): one span each. With a limit of 100, the
        // first 100 are listed and the rest counted; listed and counted bytes together are every removed line.
        let article = try fixture("bbc/tech-001.txt")
        let newline = try #require(article.firstIndex(of: 0x0A))
        let title = Array(article[..<newline])
        let menu = Array(String(repeating: "a\na b c d\n", count: 500).utf8)
        let body = Array(article[(newline + 1)...]) + [0x0A] + menu
        var cleaner = Cleaner()
        let everything = body.withUnsafeBytes { body in title.withUnsafeBytes { cleaner.clean(body: body, title: $0) } }
        cleaner.maxListedRemovals = 100
        let limited = body.withUnsafeBytes { body in title.withUnsafeBytes { cleaner.clean(body: body, title: $0) } }
        #expect(everything.removed.count >= 1_000)
        #expect(everything.unlisted == UnlistedRemovals())
        #expect(limited.removed == Array(everything.removed.prefix(100)))
        #expect(limited.unlisted.spans == everything.removed.count - 100)
        #expect(limited.unlisted.bytes == everything.removed.dropFirst(100).reduce(0) { $0 + $1.length })
        #expect(limited.text == everything.text)
    }

    /// Two Arabic news items (SaudiNewsNet, 2015-07-22): a lead sentence of 22 words with few function words
    /// right before the rest of the article, and an item that is one paragraph of 32 words without a final stop.
    /// Both are the article: a lead is kept with the text it opens, and a main text without a line of prose is
    /// kept whole rather than emptied.
    @Test func anArabicLeadAndAOneParagraphItemAreKept() throws {
        var pipeline = Pipeline()
        let out = try records(try pipeline.process(try fixture("arabic-leads.jsonl"), sourceName: "arabic-leads.jsonl").jsonl)
        try #require(out.count == 2)
        let lead = try #require(out[0]["text"] as? String)
        #expect(lead.hasPrefix("أعلنت جامعة أم القرى بدء التقديم لبرنامج الانتساب"))
        #expect(lead.contains("وأشار إلى أن القبول سيكون متاحا"))
        let item = try #require(out[1]["text"] as? String)
        #expect(item.hasPrefix("يحرص موظفو متحف برادو بمدريد"))
        #expect(item.hasSuffix("من خلال اللمس"))
        #expect(out.allSatisfy { ($0["removed"] as? [Any] ?? []).isEmpty })
    }

    /// Excerpts of two dragnet-dev pages. A blog post's list of five points, introduced by a paragraph ending
    /// with a colon, between two paragraphs: the points are the post's. A news story's "Related stories"
    /// headlines between two paragraphs: they are the site's, though they are short sentence-case lines too.
    @Test func aListBetweenParagraphsStaysAndRelatedHeadlinesGo() throws {
        var pipeline = Pipeline()
        let list = try records(try pipeline.process(try fixture("dragnet-list.txt"), sourceName: "dragnet-list.txt").jsonl)
        let post = try #require(list.first?["text"] as? String)
        #expect(post.contains("ideas I’m going to share for free over the next seven days:\n\nThe exact time management system"))
        #expect(post.contains("How to get through hundreds of pages of reading, without losing focus"))
        #expect(post.contains("How to always have confidence before taking any exam\n\nAgain this is completely FREE"))
        let related = try records(try pipeline.process(try fixture("dragnet-related.txt"), sourceName: "dragnet-related.txt").jsonl)
        let story = try #require(related.first?["text"] as? String)
        #expect(story.contains("Belize media outlets have reported"))
        #expect(story.contains("According to Gizmodo and Wired"))
        #expect(!story.contains("Verizon debuts security app"))
        let removed = try #require(related.first?["removed"] as? [[String: Any]])
        // The five headlines go as one span of short lines.
        #expect(removed.contains { $0["rule"] as? String == "short-line" && ($0["text"] as? String)?.hasSuffix("McAfee looks to combat vehicle viruses") == true })
    }

    @Test func aRecordListsAtMostTenThousandSpans() throws {
        // 30,000 alternating lines after an article: 10,000 spans in `removed`, the other 20,000 in
        // `removed_unlisted`; the record stays small (each listed span carries its text).
        var input = Array("A title\n\nThe article body is here, and it has a sentence that reads like prose. It goes on for a while with more words.\n\n".utf8)
        input += Array(String(repeating: "a\na b c d\n", count: 15_000).utf8)
        var pipeline = Pipeline()
        let records = try pipeline.process(input, sourceName: "hostile.txt").jsonl
        let record = try #require(try JSONSerialization.jsonObject(with: Data(records)) as? [String: Any])
        #expect((record["removed"] as? [Any])?.count == 10_000)
        let unlisted = try #require(record["removed_unlisted"] as? [String: Int])
        #expect(unlisted["spans"] == 20_000)
        #expect(records.count < 1_000_000)
    }

    @Test func aBodyOfMoreLinesThanAWindowIsCleanedWindowByWindow() throws {
        // 150,000 menu lines, then the article: three windows; the article's paragraphs stay, and the menu lines
        // are one span per window, which together cover every one of them.
        let article = try fixture("bbc/tech-001.txt")
        let newline = try #require(article.firstIndex(of: 0x0A))
        let title = String(decoding: article[..<newline], as: UTF8.self)
        let menu = Array(String(repeating: "Home\nNews\nSport\n", count: 50_000).utf8)
        let body = menu + Array(article[(newline + 1)...])
        let cleaned = clean(body, title: title)
        let text = String(decoding: cleaned.text, as: UTF8.self)
        #expect(text.contains("The Kyrgyz Republic, a small, mountainous state of the former Soviet republic"))
        #expect(text.hasSuffix("supports the building of democratic societies."))
        #expect(!text.contains("Sport"))
        let menuSpans = cleaned.removed.filter { $0.bodyOffset < menu.count }
        #expect(menuSpans.map(\.rule) == ["menu", "menu", "menu"])
        #expect(menuSpans.first?.bodyOffset == 0)
        #expect(menuSpans.last.map { $0.bodyOffset + $0.length } == menu.count - 1)
        for (span, next) in zip(menuSpans, menuSpans.dropFirst()) {
            // Only the line break between two windows is outside them.
            #expect(next.bodyOffset == span.bodyOffset + span.length + 1)
        }
    }
}
