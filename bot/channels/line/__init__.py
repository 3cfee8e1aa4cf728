"""The LINE channel (line-bot-sdk v3, async). Only this package imports linebot."""
