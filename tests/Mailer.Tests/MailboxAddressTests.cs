namespace Digest.Mailer.Tests;

public sealed class MailboxAddressTests
{
    [TestCase("ada@example.org", "ada@example.org")]
    [TestCase("  Ada.Lovelace+digest@Example.ORG  ", "Ada.Lovelace+digest@example.org")]
    [TestCase("ada@example.org.", "ada@example.org")]
    [TestCase("ada@bücher.example", "ada@xn--bcher-kva.example")]
    [TestCase("ada@例え.テスト", "ada@xn--r8jz45g.xn--zckzah")]
    [TestCase("ada@ПРИМЕР.РФ", "ada@xn--e1afmkfd.xn--p1ai")]
    [TestCase("ada@xn--bcher-kva.example", "ada@xn--bcher-kva.example")]
    [TestCase("o'brien!#$%&*/=?^_`{|}~-@example.org", "o'brien!#$%&*/=?^_`{|}~-@example.org")]
    public void A_deliverable_address_is_accepted_with_its_domain_in_ascii(string input, string address)
    {
        var mailbox = MailboxAddress.Parse(input);

        Assert.That(mailbox.Address, Is.EqualTo(address));
        Assert.That(mailbox.IsInternational, Is.False);
    }

    [Test]
    public void A_UTF8_local_part_is_accepted_in_NFC_and_marked_international()
    {
        var decomposed = "jose\u0301@example.org";

        var mailbox = MailboxAddress.Parse(decomposed);

        Assert.That(mailbox.Address, Is.EqualTo("jos\u00e9@example.org"));
        Assert.That(mailbox.IsInternational, Is.True);
        Assert.That(mailbox.LocalPart, Is.EqualTo("jos\u00e9"));
    }

    [TestCase("", "Enter an email address")]
    [TestCase("   ", "Enter an email address")]
    [TestCase("ada", "needs a name, an @ and a domain")]
    [TestCase("@example.org", "needs a name, an @ and a domain")]
    [TestCase("ada@", "needs a name, an @ and a domain")]
    [TestCase("ada@localhost", "at least one dot")]
    [TestCase("ada@[127.0.0.1]", "not an IP address")]
    [TestCase("ada@127.0.0.1", "not an IP address")]
    [TestCase("\"ada lovelace\"@example.org", "may only contain")]
    [TestCase("ada lovelace@example.org", "may only contain")]
    [TestCase(".ada@example.org", "single dots")]
    [TestCase("ada.@example.org", "single dots")]
    [TestCase("a..da@example.org", "single dots")]
    [TestCase("a@da@example.org", "may only contain")]
    [TestCase("ada@exa mple.org", "not a valid domain")]
    [TestCase("ada@example..org", "not a valid domain")]
    [TestCase("ada@-example.org", "not a valid domain")]
    [TestCase("ada@example-.org", "not a valid domain")]
    [TestCase("ada@ex_ample.org", "not a valid domain")]
    [TestCase("ada\u00a0@example.org", "may only contain")]
    [TestCase("ada\u200b@example.org", "may only contain")]
    public void An_undeliverable_address_is_refused_with_a_reason(string input, string reason)
    {
        Assert.That(MailboxAddress.TryParse(input, out var mailbox, out var error), Is.False);
        Assert.That(mailbox, Is.Null);
        Assert.That(error, Does.Contain(reason));
    }

    [TestCase(64, true)]
    [TestCase(65, false)]
    public void The_local_part_may_have_64_octets(int length, bool accepted)
    {
        Assert.That(MailboxAddress.TryParse(new string('a', length) + "@example.org", out _, out _), Is.EqualTo(accepted));
    }

    [Test]
    public void The_local_part_limit_counts_UTF8_octets()
    {
        Assert.That(MailboxAddress.TryParse(new string('é', 32) + "@example.org", out _, out _), Is.True, "64 octets");
        Assert.That(MailboxAddress.TryParse(new string('é', 33) + "@example.org", out _, out var error), Is.False, "66 octets");
        Assert.That(error, Does.Contain("64"));
    }

    [Test]
    public void An_address_may_have_254_octets_and_a_label_63()
    {
        var label63 = new string('d', 63);
        var domain = $"{label63}.{label63}.{label63}.org";
        var local = new string('a', 254 - 1 - domain.Length);

        Assert.That(MailboxAddress.TryParse($"{local}@{domain}", out var fits, out _), Is.True);
        Assert.That(fits!.Address, Has.Length.EqualTo(254));
        Assert.That(MailboxAddress.TryParse($"{local}a@{domain}", out _, out var tooLong), Is.False);
        Assert.That(tooLong, Does.Contain("254"));
        Assert.That(MailboxAddress.TryParse($"a@{new string('d', 64)}.org", out _, out _), Is.False, "a 64-octet label");
    }

    [TestCase("  Ada \t Lovelace  ", "Ada Lovelace")]
    [TestCase("Ada  Lovelace", "Ada Lovelace")]
    [TestCase("   ", null)]
    [TestCase("山田 太郎", "山田 太郎")]
    public void A_display_name_is_trimmed_and_its_whitespace_runs_made_one_space(string name, string? expected)
    {
        Assert.That(MailboxAddress.Parse("ada@example.org", name).Name, Is.EqualTo(expected));
    }

    [TestCase("Ada\r\nBcc: all@example.org", "line breaks")]
    [TestCase("Ada\nLovelace", "line breaks")]
    [TestCase("Ada\0", "line breaks")]
    [TestCase("Ada\u0007", "control characters")]
    [TestCase("Ada\u0085", "control characters")]
    public void A_display_name_with_control_characters_is_refused(string name, string reason)
    {
        Assert.That(MailboxAddress.TryParse("ada@example.org", out _, out var error, name), Is.False);
        Assert.That(error, Does.Contain(reason));
    }

    [Test]
    public void An_unpaired_surrogate_is_refused_in_an_address_and_in_a_name()
    {
        // Built in code: an attribute's string cannot carry a lone surrogate.
        var lone = new string([(char)0xD800]);

        Assert.That(MailboxAddress.TryParse($"ada{lone}@example.org", out _, out var addressError), Is.False);
        Assert.That(addressError, Does.Contain("may only contain"));
        Assert.That(MailboxAddress.TryParse("ada@example.org", out _, out var nameError, $"Ada{lone}"), Is.False);
        Assert.That(nameError, Does.Contain("not valid Unicode"));
    }

    /// <summary>Every control character and line break, anywhere in an address, is refused.</summary>
    [Test]
    public void Generated_addresses_with_CR_LF_NUL_or_controls_anywhere_are_all_refused()
    {
        var refused = 0;
        const string Valid = "ada.lovelace@example.org";
        foreach (var bad in new[] { "\r", "\n", "\r\n", "\0", "\u0001", "\u001f", "\u007f", "\t", " " })
        {
            for (var at = 1; at < Valid.Length; at++)
            {
                var input = Valid.Insert(at, bad);
                Assert.That(MailboxAddress.TryParse(input, out _, out var error), Is.False, $"{input.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}");
                Assert.That(error, Is.Not.Empty);
                refused++;
            }
        }
        Assert.That(refused, Is.EqualTo(9 * (Valid.Length - 1)));
    }

    [Test]
    public void Parse_throws_a_FormatException_with_the_reason()
    {
        var error = Assert.Throws<FormatException>(() => MailboxAddress.Parse("ada@localhost"));

        Assert.That(error!.Message, Does.Contain("at least one dot"));
    }
}
