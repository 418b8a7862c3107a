#!/usr/bin/env bash
# The Mailer benchmark: in one run sends ~20 KB messages to a local smtp-sink with Postfix
# smtp-source, with our Mailer, with MailKit (NoDelay socket, MimeKit messages) and with System.Net.Mail,
# and prints msg/s, the ratios, and the Mailer's and MailKit's allocations and CPU time per message.
# Arguments go to the benchmark: --messages 20000 --size 20000 --connections 16 --netmail-messages 2000 --mailkit-messages 10000 --dkim
exec "$(dirname "$0")/bench.sh" mailer "$@"
