"""Being told: e-mail and webhook notices of files that need a person, and of files that
did not arrive (README, Be told)."""
