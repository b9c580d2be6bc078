using ChitBox.Api.Messages;

namespace ChitBox.Tests.Api;

public sealed class HtmlBodySanitizerTests
{
    private readonly HtmlBodySanitizer _sanitizer = new();

    [Theory]
    [InlineData("background-image: url('https://tracker.example/a.png')")]
    [InlineData("background-image: image-set('https://tracker.example/a.png' 1x)")]
    [InlineData("background-image: -webkit-image-set('https://tracker.example/a.png' 1x)")]
    [InlineData("background-image: image-set(url(https://tracker.example/a.png) 1x)")]
    [InlineData("background-image: cross-fade('https://tracker.example/a.png', 'https://tracker.example/b.png', 50%)")]
    [InlineData("background-image: image('https://tracker.example/a.png')")]
    [InlineData("background: url(cid:logo@example), url(https://tracker.example/a.png)")]
    public void A_style_that_loads_from_the_network_is_removed(string style)
    {
        var safe = _sanitizer.Sanitize($"<div style=\"{style}\">styled</div>")!;

        Assert.DoesNotContain("tracker.example", safe);
        Assert.Contains("styled", safe);
    }

    [Theory]
    [InlineData("background-image: url(cid:logo@example)", "cid:logo@example")]
    [InlineData("color: rgb(10, 20, 30); width: calc(100% - 4px)", "rgb")]
    public void A_style_that_loads_nothing_from_the_network_stays(string style, string kept)
    {
        var safe = _sanitizer.Sanitize($"<div style=\"{style}\">styled</div>")!;

        Assert.Contains(kept, safe);
    }
}
