using ChitBox.Api.Messages;

namespace ChitBox.Tests.Api;

/// <summary>
/// The guard in front of the HTML parser: bodies it lets through must be parsed in bounded work,
/// so it has to read markup as the parser's tokenizer does. Each hostile body here nests elements
/// thousands deep for the parser while looking shallow to a scanner that reads markup otherwise.
/// </summary>
public sealed class HtmlParseGuardTests
{
    private static string Repeat(string html, int times) => string.Concat(Enumerable.Repeat(html, times));

    [Fact]
    public void Tag_names_run_to_whitespace_slash_or_greater_than_folding_ascii_only()
    {
        var tags = HtmlMarkupScanner.Scan("<Q_ a=1></q_x><o:P/><DİV></div\0>")
            .Where(m => m.Kind is HtmlMarkupKind.StartTag or HtmlMarkupKind.EndTag)
            .Select(m => (m.Kind == HtmlMarkupKind.EndTag ? "/" : "") + m.Name);

        Assert.Equal(["q_", "/q_x", "o:p", "dİv", "/div\uFFFD"], tags);
    }

    [Fact]
    public void End_tags_whose_names_differ_after_a_letter_do_not_close_the_element()
    {
        // The probe's body: each </q_x> closes nothing, the parser nests 40,000 q_ elements and
        // walks all of them for every end tag. The old guard read both names as "q".
        var html = "<html><body>" + Repeat("<q_></q_x>", 40_000) + "deep</body></html>";

        Assert.True(html.Length < HtmlParseGuard.MaxLength);
        Assert.False(HtmlParseGuard.IsSafeToParse(html));
    }

    [Fact]
    public void A_quoted_attribute_value_can_hold_what_looks_like_an_end_tag()
    {
        Assert.False(HtmlParseGuard.IsSafeToParse(Repeat("<span title=\"></span>\">", 1_000)));
    }

    [Fact]
    public void A_comment_can_end_where_it_starts()
    {
        // "<!-->" is a whole (empty) comment: what follows is markup.
        Assert.False(HtmlParseGuard.IsSafeToParse("<!-->" + Repeat("<span>", 1_000) + "-->"));
        Assert.False(HtmlParseGuard.IsSafeToParse("<!--->" + Repeat("<span>", 1_000) + "-->"));
    }

    [Fact]
    public void Raw_text_ends_only_at_its_own_end_tag()
    {
        // "</stylesheet>" does not end a style element; the "</span>" after it is style text.
        Assert.False(HtmlParseGuard.IsSafeToParse(Repeat("<span><style></stylesheet></span></style>", 1_000)));
    }

    [Theory]
    [InlineData("<x><div></x></div>")]
    [InlineData("<li><dd>")]
    [InlineData("<svg><style><span></style></svg>")]
    public void Markup_the_parser_nests_deeper_than_counting_shows_is_bounded_by_the_number_of_tags(string unit)
    {
        // At 20,000 repetitions each took the parser 3-21 s; counting sees them shallow.
        var html = "<html><body>" + Repeat(unit, 10_000) + "</body></html>";

        Assert.True(html.Length < HtmlParseGuard.MaxLength);
        Assert.False(HtmlParseGuard.IsSafeToParse(html));
    }

    [Fact]
    public void Up_to_the_tag_limit_counting_decides()
    {
        var html = Repeat("<x><div></x></div>", (HtmlParseGuard.MaxTags - 2) / 4);

        Assert.True(HtmlParseGuard.IsSafeToParse("<p>" + html + "</p>"));
        Assert.False(HtmlParseGuard.IsSafeToParse("<p>" + html + "<b></b><i></i></p>"));
    }

    [Fact]
    public void Ordinary_markup_is_still_parsed()
    {
        var html = "<!DOCTYPE html><html><head><style>p{color:red}</style><title>Hi</title></head><body>"
            + Repeat("<table><tr><td><p class=\"MsoNormal\">Hello <b>there</b><o:p></o:p></p><br></td></tr></table>", 500)
            + "<!--[if mso]><p>x</p><![endif]--><script>if (a < b) { document.write('</div>'); }</script></body></html>";

        Assert.True(HtmlParseGuard.IsSafeToParse(html));
    }

    [Fact]
    public void Refused_html_is_shown_as_its_text_without_markup()
    {
        var text = HtmlParseGuard.ToPreformattedText(
            "<p title=\"a>b\">Hello &amp; <b>bye</b><!-->gone?<style>p{}</STYLE >!</p>");

        Assert.Equal("<pre>Hello &amp; byegone?!</pre>", text);
    }
}
