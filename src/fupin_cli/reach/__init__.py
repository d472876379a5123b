"""reach: sending reminders to the group robots of WeCom and DingTalk."""
