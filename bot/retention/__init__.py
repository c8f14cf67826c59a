"""Personal data kept only as long as its purpose needs (个人信息保护法): the retention periods, the daily purge and its command."""
