using System.Text;
using ChitBox.SmtpIngress.Delivery;

namespace ChitBox.Tests.SmtpIngress.Delivery;

public sealed class CachingEncodingProviderTests
{
    [Fact]
    public void Each_code_page_and_name_is_asked_of_the_inner_provider_once_whatever_the_answer()
    {
        var inner = new CountingProvider();
        var provider = new CachingEncodingProvider(inner);

        for (var i = 0; i < 3; i++)
        {
            Assert.Same(inner.Windows1251, provider.GetEncoding(1251));
            Assert.Null(provider.GetEncoding(65001));
            Assert.Same(inner.Windows1251, provider.GetEncoding(i % 2 == 0 ? "windows-1251" : "WINDOWS-1251"));
        }

        Assert.Equal(3, inner.Calls);
    }

    [Fact]
    public void Past_its_limit_it_still_answers_but_remembers_no_more()
    {
        var inner = new CountingProvider();
        var provider = new CachingEncodingProvider(inner);

        for (var name = 0; name < 2000; name++)
        {
            Assert.Null(provider.GetEncoding($"x-hostile-{name}"));
        }

        var before = inner.Calls;
        Assert.Null(provider.GetEncoding("x-hostile-1999"));
        Assert.Equal(before + 1, inner.Calls);
    }

    private sealed class CountingProvider : EncodingProvider
    {
        public Encoding Windows1251 { get; } = CodePagesEncodingProvider.Instance.GetEncoding(1251)!;

        public int Calls { get; private set; }

        public override Encoding? GetEncoding(int codepage)
        {
            Calls++;
            return codepage == 1251 ? Windows1251 : null;
        }

        public override Encoding? GetEncoding(string name)
        {
            Calls++;
            return name.Equals("windows-1251", StringComparison.OrdinalIgnoreCase) ? Windows1251 : null;
        }
    }
}
