namespace Digest.Mailer.Mime;

/// <summary>RFC 5322 §3.3 date-time: "Tue, 02 Sep 2025 07:05:09 +0200", culture-free.</summary>
internal static class MessageDate
{
    static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    static readonly string[] Months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    public static int Format(DateTimeOffset date, Span<char> output)
    {
        var offset = (int)date.Offset.TotalMinutes;
        var sign = offset < 0 ? '-' : '+';
        offset = Math.Abs(offset);
        var d = date.DateTime;
        var i = 0;
        Days[(int)d.DayOfWeek].CopyTo(output);
        i += 3;
        output[i++] = ',';
        output[i++] = ' ';
        Two(output, ref i, d.Day);
        output[i++] = ' ';
        Months[d.Month - 1].CopyTo(output[i..]);
        i += 3;
        output[i++] = ' ';
        Two(output, ref i, d.Year / 100);
        Two(output, ref i, d.Year % 100);
        output[i++] = ' ';
        Two(output, ref i, d.Hour);
        output[i++] = ':';
        Two(output, ref i, d.Minute);
        output[i++] = ':';
        Two(output, ref i, d.Second);
        output[i++] = ' ';
        output[i++] = sign;
        Two(output, ref i, offset / 60);
        Two(output, ref i, offset % 60);
        return i;
    }

    static void Two(Span<char> output, ref int i, int value)
    {
        output[i++] = (char)('0' + value / 10);
        output[i++] = (char)('0' + value % 10);
    }
}
