Feature: SA converts a self-serve lead into a discovery
  Every submission reaches the SA's lead list with its tier; converting a lead starts a
  discovery with every shared answer prefilled, and the lead stays linked to it.

  Background:
    Given a prospect submitted the questionnaire as "Acme Cloud" with annual volume "25000000"
    And I am logged in as an SA

  Scenario: The lead appears in the SA's list with its tier
    When I open the leads list
    Then I see "Acme Cloud" with the tier "enterprise"

  Scenario: Converting a lead into a discovery for a new account
    When I convert the lead into a new account "Acme Cloud"
    Then a discovery for "Acme Cloud" exists and is linked to the lead
    And the discovery has the prospect's answers prefilled
    And the lead is marked as converted

  Scenario: Converting a lead into a discovery for an existing account
    Given an account "Acme Cloud Inc" exists
    When I convert the lead into the existing account "Acme Cloud Inc"
    Then a discovery for "Acme Cloud Inc" exists and is linked to the lead
    And the discovery has the prospect's answers prefilled

  Scenario: Converting into a new account whose name is taken changes nothing
    Given an account "Acme Cloud" exists
    When I open the lead
    Then the form offers the existing account "Acme Cloud"
    When I try to convert the lead into a new account "ACME Cloud"
    Then I am told an account named "Acme Cloud" already exists
    And the form offers the existing account "Acme Cloud"
    And the lead is still open
    When I convert the lead into the existing account "Acme Cloud"
    Then a discovery for "Acme Cloud" exists and is linked to the lead

  Scenario: Converting a lead twice does not start a second discovery
    When I convert the lead into a new account "Acme Cloud"
    And I try to convert the lead into a new account "Acme Cloud 2"
    Then I am told the lead already has its discovery, with a link to it
    And a discovery for "Acme Cloud" exists and is linked to the lead
