using Digest.Mailer.Mime;
using Digest.Mailer.Pickup;

namespace Digest.Mailer.Tests.Pickup;

public sealed class PickupFolderTransportTests
{
    string _folder = null!;

    [SetUp]
    public void NewFolder() => _folder = Path.Combine(Path.GetTempPath(), "digest-pickup-" + Guid.NewGuid().ToString("N"));

    [TearDown]
    public void RemoveFolder()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public async Task A_message_becomes_one_eml_file_with_the_written_bytes()
    {
        var writer = new MessageWriter();
        var transport = new PickupFolderTransport(_folder, writer);
        // Text only: a multipart's boundary is new each time it is written.
        var message = Message("pickup-1@example.org", html: false);

        var result = await transport.SendAsync(message);

        var file = Directory.GetFiles(_folder).Single();
        Assert.Multiple(() =>
        {
            Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Sent));
            Assert.That(result.MessageId, Is.EqualTo("pickup-1@example.org"));
            Assert.That(result.Detail, Does.Contain(file));
            Assert.That(Path.GetExtension(file), Is.EqualTo(".eml"));
            Assert.That(File.ReadAllBytes(file), Is.EqualTo(writer.ToBytes(message)));
        });
    }

    [Test]
    public async Task A_return_path_is_written_as_the_first_line_as_a_delivering_server_would()
    {
        var writer = new MessageWriter();
        var transport = new PickupFolderTransport(_folder, writer);
        var message = new EmailMessage
        {
            From = MailboxAddress.Parse("digest@example.org"),
            EnvelopeFrom = MailboxAddress.Parse("bounces+abc234@example.org"),
            To = [MailboxAddress.Parse("ada@example.org")],
            Subject = "Papers",
            MessageId = "pickup-rp@example.org",
            // Fixed: a Date taken from the clock differs between the send and the comparison across a second.
            Date = new DateTimeOffset(2025, 9, 8, 6, 0, 0, TimeSpan.Zero),
            TextBody = "Hello",
        };

        await transport.SendAsync(message);

        var bytes = File.ReadAllBytes(Directory.GetFiles(_folder).Single());
        var line = "Return-Path: <bounces+abc234@example.org>\r\n"u8.ToArray();
        Assert.That(bytes[..line.Length], Is.EqualTo(line));
        Assert.That(bytes[line.Length..], Is.EqualTo(writer.ToBytes(message)), "the message itself is as written");
    }

    [Test]
    public async Task Concurrent_messages_become_as_many_files_and_no_temporary_file_stays()
    {
        var transport = new PickupFolderTransport(_folder, new MessageWriter());

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => transport.SendAsync(Message($"p{i}@example.org")))));

        Assert.That(results.Select(r => r.Outcome), Is.All.EqualTo(DeliveryOutcome.Sent));
        Assert.That(Directory.GetFiles(_folder, "*.eml"), Has.Length.EqualTo(200));
        Assert.That(Directory.GetFiles(_folder, "*.tmp"), Is.Empty);
    }

    [Test]
    public async Task A_folder_that_cannot_be_written_defers_and_leaves_nothing_behind()
    {
        Directory.CreateDirectory(_folder);
        var blocker = Path.Combine(_folder, "not-a-folder");
        await File.WriteAllTextAsync(blocker, "a file where the pickup folder should be");
        var transport = new PickupFolderTransport(Path.Combine(blocker, "mail"), new MessageWriter());

        var result = await transport.SendAsync(Message("blocked@example.org"));

        Assert.That(result.Outcome, Is.EqualTo(DeliveryOutcome.Deferred));
        Assert.That(result.Detail, Does.Contain("Could not write"));
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { blocker }));
    }

    [Test]
    public void An_invalid_message_writes_no_file()
    {
        var transport = new PickupFolderTransport(_folder, new MessageWriter());

        Assert.ThrowsAsync<InvalidMessageException>(() => transport.SendAsync(Message("not an id")));

        Assert.That(Directory.Exists(_folder) ? Directory.GetFiles(_folder) : [], Is.Empty);
    }

    static EmailMessage Message(string id, bool html = true) => new()
    {
        From = MailboxAddress.Parse("digest@example.org"),
        To = [MailboxAddress.Parse("ada@example.org")],
        Subject = "Picked up",
        // Fixed, so writing the message twice gives the same bytes even across a second boundary.
        Date = new DateTimeOffset(2025, 9, 8, 6, 0, 0, TimeSpan.Zero),
        MessageId = id,
        TextBody = "Hello.\n",
        HtmlBody = html ? "<p>Hello.</p>" : null,
    };
}
