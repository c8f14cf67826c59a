"""Tickets (工单): complaints, reports, suggestions and consultation messages, with their deadlines.

Plain Python (no Rasa imports): the form actions, the look-up action and later the staff console use it.
"""
