Feature: SA discovery journey
  A solutions architect runs discovery live on a call: sections in any order, every answer
  saved as it is given, conditional questions appearing as answers arrive.

  Background:
    Given I am logged in as an SA
    And an account named "Acme Retail" exists

  Scenario: Start a discovery, answer, see a conditional question, leave and resume
    When I start a discovery for "Acme Retail"
    Then I am on the section "company"
    And the question "company_name" shows "Acme Retail"
    When I answer "channels" with "web, in_person"
    Then the question "store_count" is visible
    When I answer "store_count" with "12"
    And I leave and come back to the section "channels"
    Then the question "store_count" shows "12"
    And the section "channels" counts 2 answered questions

  Scenario: Hiding a question keeps its answer
    When I start a discovery for "Acme Retail"
    And I answer "channels" with "in_person"
    And I answer "store_count" with "3"
    And I answer "channels" with "web"
    Then the question "store_count" is hidden
    And the answer "store_count" is still stored as 3
