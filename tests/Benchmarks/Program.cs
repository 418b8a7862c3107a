using Digest.Benchmarks;

// One verb per benchmark, so later work can add its own beside "mailer".
return args.FirstOrDefault() switch
{
    "mailer" => await MailerBenchmark.RunAsync(BenchmarkArguments.Parse(args[1..])),
    "digest" => await DigestBenchmark.RunAsync(BenchmarkArguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Digest.Benchmarks mailer --port N [--host 127.0.0.1] [--messages 20000] [--size 20000] [--connections 16] [--netmail-messages 2000] [--dkim]");
    Console.Error.WriteLine("       Digest.Benchmarks digest --port N [--subscribers 100000] [--papers 300] [--workers 4] [--connections 16] [--seed demo-papers.json] [--sequential] [--statements]");
    return 2;
}
