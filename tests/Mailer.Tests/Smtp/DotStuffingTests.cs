using System.Text;
using Digest.Mailer.Mime;
using Digest.Mailer.Smtp;

namespace Digest.Mailer.Tests.Smtp;

public sealed class DotStuffingTests
{
    [TestCase(".first line\r\nsecond\r\n", "..first line\r\nsecond\r\n")]
    [TestCase("a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n")]
    [TestCase("a\r\n..two\r\n.", "a\r\n...two\r\n..")]
    [TestCase("no dots at line starts. here.\r\n", "no dots at line starts. here.\r\n")]
    [TestCase(".", "..")]
    public void A_dot_at_the_start_of_any_line_is_doubled_the_first_line_included(string data, string stuffed)
    {
        using var output = new MessageBuffer(64, headroom: 0);

        DotStuffing.Write(output, Encoding.ASCII.GetBytes(data));

        Assert.That(Encoding.ASCII.GetString(output.Span), Is.EqualTo(stuffed));
        Assert.That(DotStuffing.IsNeeded(Encoding.ASCII.GetBytes(data)), Is.EqualTo(data != stuffed));
    }
}
