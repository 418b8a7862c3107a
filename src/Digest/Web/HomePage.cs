namespace Digest.Web;

/// <summary>Until the subscribe form exists: a page that says what this service is.</summary>
internal static class HomePage
{
    public static IResult Get() => Results.Content(Html, "text/html; charset=utf-8");

    const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>Digest — trending papers in your inbox</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1f2328; }
            h1 { font-size: 1.8rem; margin-bottom: .25rem; }
            p.lead { font-size: 1.15rem; color: #57606a; margin-top: 0; }
          </style>
        </head>
        <body>
          <main>
            <h1>Digest</h1>
            <p class="lead">Trending papers in your inbox.</p>
            <p>Digest emails researchers a personalised digest of the day's trending papers: tell it the
               topics you follow, and every day it sends you the new papers that match them, ranked by
               how much attention they are getting.</p>
            <p>Subscriptions open soon.</p>
          </main>
        </body>
        </html>
        """;
}
