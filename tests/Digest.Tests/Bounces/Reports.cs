using System.Text;

namespace Digest.Tests.Bounces;

/// <summary>
/// Reports as the bounce mailbox receives them, in the shapes their senders use: Postfix's DSN,
/// the big providers' DSNs (Gmail, Outlook, Yahoo), an ARF complaint, a vacation reply, a qmail
/// plain-text bounce; and generated malformed ones. Line ends are LF here; delivery makes them CRLF.
/// </summary>
internal static class Reports
{
    const string Date = "Mon, 08 Sep 2025 10:15:02 +0000";

    /// <summary>What a Postfix 3.7 bounce daemon writes (its "MAILER-DAEMON" notice, RFC 3464 report, the returned headers).</summary>
    public static string Postfix(string returnPath, string recipient, string originalMessageId, string id) => $"""
        Return-Path: <>
        Delivered-To: {returnPath}
        Received: by mail.example.org (Postfix) id 4cLx1Q0d3Kz9sWb; {Date}
        Date: {Date}
        From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
        Subject: Undelivered Mail Returned to Sender
        To: {returnPath}
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="4cLx1Q0d3Kz9sWb.1757326502/mail.example.org"
        Content-Transfer-Encoding: 8bit
        Message-Id: <{id}>

        This is a MIME-encapsulated message.

        --4cLx1Q0d3Kz9sWb.1757326502/mail.example.org
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        This is the mail system at host mail.example.org.

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients. It's attached below.

                           The mail system

        <{recipient}>: host mx.example.org[192.0.2.10] said: 550 5.1.1
            <{recipient}>: Recipient address rejected: User unknown in virtual
            mailbox table (in reply to RCPT TO command)

        --4cLx1Q0d3Kz9sWb.1757326502/mail.example.org
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mail.example.org
        X-Postfix-Queue-ID: 4cLx1Q0d3Kz9sWb
        X-Postfix-Sender: rfc822; {returnPath}
        Arrival-Date: {Date}

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; mx.example.org
        Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected:
            User unknown in virtual mailbox table

        --4cLx1Q0d3Kz9sWb.1757326502/mail.example.org
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <{returnPath}>
        From: Digest <digest@digest.example.org>
        To: {recipient}
        Subject: 13 new papers for you
        Message-ID: <{originalMessageId}>

        --4cLx1Q0d3Kz9sWb.1757326502/mail.example.org--
        """;

    /// <summary>Gmail's shape: "Delivery Status Notification (Failure)" from mailer-daemon@googlemail.com.</summary>
    public static string Gmail(string returnPath, string recipient, string originalMessageId, string id) => $"""
        Delivered-To: {returnPath}
        Return-Path: <>
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: {returnPath}
        Auto-Submitted: auto-replied
        Subject: Delivery Status Notification (Failure)
        References: <{originalMessageId}>
        In-Reply-To: <{originalMessageId}>
        Message-ID: <{id}>
        Date: {Date}
        MIME-Version: 1.0
        Content-Type: multipart/report; boundary="000000000000a1b2c3"; report-type=delivery-status

        --000000000000a1b2c3
        Content-Type: multipart/related; boundary="000000000000d4e5f6"

        --000000000000d4e5f6
        Content-Type: multipart/alternative; boundary="000000000000778899"

        --000000000000778899
        Content-Type: text/plain; charset="UTF-8"

        ** Address not found **

        Your message wasn't delivered to {recipient} because the address couldn't be found, or is unable to receive mail.

        The response from the remote server was:
        550 5.1.1 The email account that you tried to reach does not exist.

        --000000000000778899
        Content-Type: text/html; charset="UTF-8"

        <html><body><h1>Address not found</h1><p>Your message wasn't delivered to <b>{recipient}</b>.</p></body></html>

        --000000000000778899--
        --000000000000d4e5f6--
        --000000000000a1b2c3
        Content-Type: message/delivery-status

        Reporting-MTA: dns; googlemail.com
        Received-From-MTA: dns; digest.example.org
        Arrival-Date: {Date}
        X-Original-Message-ID: <{originalMessageId}>

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.1.1
        Remote-MTA: dns; gmail-smtp-in.l.google.com. (2607:f8b0:4864:20::, the server for the domain gmail.com.)
        Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.
        Last-Attempt-Date: {Date}

        --000000000000a1b2c3
        Content-Type: message/rfc822

        Return-Path: <{returnPath}>
        From: Digest <digest@digest.example.org>
        To: {recipient}
        Subject: 13 new papers for you
        Message-ID: <{originalMessageId}>
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        The papers.

        --000000000000a1b2c3--
        """;

    /// <summary>Exchange Online's shape: "Undeliverable:", 5.1.10 RecipientNotFound, the headers returned.</summary>
    public static string Outlook(string returnPath, string recipient, string originalMessageId, string id) => $"""
        From: postmaster@outlook.com
        To: {returnPath}
        Date: {Date}
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="28b2a3a1-9ab4-4c9e-b1b9-1f1a2b3c4d5e"
        X-MS-Exchange-Message-Is-Ndr:
        Content-Language: en-US
        Message-ID: <{id}>
        In-Reply-To: <{originalMessageId}>
        Subject: Undeliverable: 13 new papers for you
        Auto-Submitted: auto-replied
        MIME-Version: 1.0

        --28b2a3a1-9ab4-4c9e-b1b9-1f1a2b3c4d5e
        Content-Type: text/plain; charset="us-ascii"
        Content-Transfer-Encoding: quoted-printable

        Your message to {recipient} couldn't be delivered.
        {recipient} wasn't found at outlook.com.
        Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

        --28b2a3a1-9ab4-4c9e-b1b9-1f1a2b3c4d5e
        Content-Type: message/delivery-status

        Reporting-MTA: dns;AM0PR01MB1234.eurprd01.prod.exchangelabs.com
        Received-From-MTA: dns;mail.digest.example.org
        Arrival-Date: {Date}

        Original-Recipient: rfc822;{recipient}
        Final-Recipient: rfc822;{recipient}
        Action: failed
        Status: 5.1.10
        Diagnostic-Code: smtp;550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup

        --28b2a3a1-9ab4-4c9e-b1b9-1f1a2b3c4d5e
        Content-Type: text/rfc822-headers

        Return-Path: {returnPath}
        From: Digest <digest@digest.example.org>
        To: <{recipient}>
        Subject: 13 new papers for you
        Message-ID: <{originalMessageId}>

        --28b2a3a1-9ab4-4c9e-b1b9-1f1a2b3c4d5e--
        """;

    /// <summary>Yahoo's shape: a 5.0.0 "dd This user doesn't have an account" (permanent, but no address class) — a soft bounce here.</summary>
    public static string Yahoo(string returnPath, string recipient, string originalMessageId, string id) => $"""
        From: MAILER-DAEMON@yahoo.com
        To: {returnPath}
        Subject: Failure Notice
        Date: {Date}
        Message-ID: <{id}>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type="delivery-status"; boundary="----=_Part_1_yahoo"

        ------=_Part_1_yahoo
        Content-Type: text/plain; charset=UTF-8

        Sorry, we were unable to deliver your message to the following address.

        <{recipient}>:
        554: delivery error: dd Not a valid recipient - atlas114.free.mail.ne1.yahoo.com

        ------=_Part_1_yahoo
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mta1012.mail.ne1.yahoo.com

        Final-Recipient: rfc822; {recipient}
        Action: failed
        Status: 5.0.0
        Diagnostic-Code: smtp; 554 delivery error: dd Not a valid recipient

        ------=_Part_1_yahoo
        Content-Type: message/rfc822

        Return-Path: <{returnPath}>
        From: digest@digest.example.org
        To: {recipient}
        Message-ID: <{originalMessageId}>
        Subject: Papers

        Body.
        ------=_Part_1_yahoo--
        """;

    /// <summary>A DSN whose Action is delayed: still trying.</summary>
    public static string Delayed(string returnPath, string recipient, string id) => $"""
        From: MAILER-DAEMON@mail.example.org (Mail Delivery System)
        To: {returnPath}
        Subject: Delayed Mail (still being retried)
        Date: {Date}
        Message-ID: <{id}>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="d"

        --d
        Content-Type: text/plain

        Still trying.
        --d
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mail.example.org

        Final-Recipient: rfc822; {recipient}
        Action: delayed
        Status: 4.4.1
        Diagnostic-Code: X-Postfix; connect to mx.example.net: Connection timed out
        --d--
        """;

    /// <summary>An RFC 5965 abuse report from a feedback loop: the original message attached whole.</summary>
    public static string Complaint(string returnPath, string recipient, string originalMessageId, string id) => $"""
        From: feedback@arf.mail.example.net
        To: abuse@digest.example.org
        Subject: FW: 13 new papers for you
        Date: {Date}
        Message-ID: <{id}>
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP 192.0.2.1 on {Date}.
        For more information about this format please see http://tools.ietf.org/html/rfc5965.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <{returnPath}>
        Original-Rcpt-To: <{recipient}>
        Arrival-Date: {Date}
        Reporting-MTA: dns; mail.example.net
        Source-IP: 192.0.2.1

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        Return-Path: <{returnPath}>
        From: Digest <digest@digest.example.org>
        To: {recipient}
        Subject: 13 new papers for you
        Message-ID: <{originalMessageId}>
        Date: {Date}

        The papers.
        --part1_13d.2e68ed54_boundary--
        """;

    /// <summary>A vacation program's answer, as Debian's vacation or Exchange send it (RFC 3834 marked).</summary>
    public static string Vacation(string returnPath, string from, string id) => $"""
        From: {from}
        To: {returnPath}
        Subject: Out of office: 13 new papers for you
        Date: {Date}
        Message-ID: <{id}>
        Auto-Submitted: auto-replied
        X-Autoreply: yes
        Precedence: bulk
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        I am away until 22 September with no access to mail.
        Urgent matters: 5.1.1 of the handbook, or write to deputy@example.org.
        """;

    /// <summary>qmail's plain-text bounce: no report part, the status in parentheses.</summary>
    public static string Qmail(string returnPath, string recipient, string id) => $"""
        From: MAILER-DAEMON@mail.example.com
        To: {returnPath}
        Subject: failure notice
        Date: {Date}
        Message-ID: <{id}>

        Hi. This is the qmail-send program at mail.example.com.
        I'm afraid I wasn't able to deliver your message to the following addresses.
        This is a permanent error; I've given up. Sorry it didn't work out.

        <{recipient}>:
        Sorry, no mailbox here by that name. (#5.1.1)

        --- Below this line is a copy of the message.

        Return-Path: <{returnPath}>
        From: Digest <digest@digest.example.org>
        """;

    /// <summary>
    /// Malformed reports, deterministic from the seed: truncated MIME, missing parts, huge headers,
    /// wrong or invalid charsets, broken encodings, garbage. None names a real mail of ours.
    /// </summary>
    public static IEnumerable<byte[]> Malformed(int count, string forgedReturnPath, int seed = 10)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var template = Encoding.UTF8.GetBytes(Postfix(forgedReturnPath, "someone@example.net", "digest-999999-20250908@digest.example.org", $"truncated-{i}@x").ReplaceLineEndings("\r\n"));
            var tag = $"X-Case: {i}\r\n";
            yield return (i % 10) switch
            {
                // Cut anywhere in a DSN.
                0 or 1 => Concat(tag, template.AsSpan(0, random.Next(1, template.Length - 1)).ToArray()),
                // A report without its report part.
                2 => Ascii(tag + $"From: MAILER-DAEMON@x\r\nTo: {forgedReturnPath}\r\nMessage-ID: <m{i}@x>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n"),
                // A delivery-status part with no recipient group, or nothing at all.
                3 => Ascii(tag + $"Message-ID: <m{i}@x>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\n{(i % 20 == 3 ? "" : "Reporting-MTA: dns; x\r\n")}--b--\r\n"),
                // Huge headers: one enormous field, or thousands of them.
                4 => Ascii(tag + "Subject: " + new string('x', 200_000 + random.Next(1000)) + "\r\nFrom: MAILER-DAEMON@x\r\n\r\nbody\r\n"),
                5 => Ascii(tag + string.Concat(Enumerable.Range(0, 3_000).Select(n => $"X-H{n}: {n}\r\n")) + "\r\nbody\r\n"),
                // Wrong charsets: an unknown one, bytes that are not what the charset says.
                6 => Concat(tag + $"Message-ID: <m{i}@x>\r\nFrom: MAILER-DAEMON@x\r\nSubject: =?x-unknown-{i}?B?////?=\r\nContent-Type: text/plain; charset=\"x-no-such-charset\"\r\n\r\n",
                    [0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x28, 0x8C, 0xBC, (byte)'5', (byte)'.', (byte)'1']),
                7 => Ascii(tag + $"Message-ID: <m{i}@x>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: message/delivery-status; charset=utf-7\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64 at all {i}!!!\r\n--b--\r\n"),
                // Deep nesting, then garbage bytes.
                8 => Ascii(tag + string.Concat(Enumerable.Range(0, 60).Select(n => $"Content-Type: multipart/mixed; boundary=n{n}\r\n\r\n--n{n}\r\n")) + "x\r\n"),
                _ => Concat(tag, Enumerable.Range(0, random.Next(0, 2000)).Select(_ => (byte)random.Next(256)).ToArray()),
            };
        }
    }

    static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);

    static byte[] Concat(string head, byte[] tail) => [.. Encoding.UTF8.GetBytes(head), .. tail];
}
