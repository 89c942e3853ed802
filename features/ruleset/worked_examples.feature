Feature: Worked examples from the domain reference
  The eight public worked examples (DOMAIN.md section 4). The same answers are in
  docs/examples/*.json for `recommender evaluate --answers` (see docs/default-ruleset.md).

  Scenario: B2B SaaS with seats plus usage selling to US and EU businesses on NetSuite
    Given the answers:
      | answer                 | value          |
      | hq_country              | US             |
      | entity_countries        | US, IE         |
      | local_entity_per_market | true           |
      | customer_countries      | US, DE, FR, NL |
      | customer_type           | businesses     |
      | business_model          | saas           |
      | industry                | software       |
      | offering_types          | saas           |
      | priced_currencies       | USD, EUR       |
      | currency_strategy       | local_prices   |
      | annual_volume_usd      | 20000000       |
      | avg_transaction_usd    | 2500           |
      | channels               | web            |
      | checkout_control       | hosted_ok      |
      | dev_capacity           | small          |
      | pricing_models         | seat, usage    |
      | payment_terms          | upfront        |
      | accrual_accounting     | true           |
      | annual_revenue_usd     | 20000000       |
      | pays_out_third_parties | false          |
      | erp                    | netsuite       |
      | crm                    | hubspot        |
      | data_warehouse         | none           |
      | fraud_concern          | low            |
    When the recommendation is evaluated
    Then the products include checkout, billing, usage_billing, customer_portal, tax, revenue_recognition
    And the products include sepa_debit, ach_debit, netsuite_connector, radar
    And the products exclude connect, klarna, ideal, terminal, payment_links, adaptive_pricing
    And the risk tax_registration is flagged
    And the risk sca_3ds is flagged with severity high
    And the risk sepa_settlement_delay is flagged
    And the risk usage_billing_choice is flagged
    And the risk reverse_charge_b2b is flagged
    And the product ideal is excluded
    And the market plan for DE includes sepa_debit
    And the market plan for US includes ach_debit
    And the derived fact segment is mid_market
    And the derived fact b2b_only is true

  Scenario: Two-sided marketplace as merchant of record paying sellers in 10 countries
    Given the answers:
      | answer                    | value                                      |
      | hq_country                | US                                         |
      | entity_countries          | US                                         |
      | customer_countries        | US                                         |
      | customer_type             | consumers                                  |
      | business_model            | marketplace                                |
      | industry                  | retail                                     |
      | annual_volume_usd         | 30000000                                   |
      | channels                  | web                                        |
      | checkout_control          | embedded                                   |
      | pricing_models            | one_time                                   |
      | pays_out_third_parties    | true                                       |
      | merchant_of_record        | platform                                   |
      | sellers_per_cart          | one                                        |
      | hold_funds_until_delivery | false                                      |
      | seller_countries          | US, CA, MX, BR, AR, CO, IN, AU, JP, SG     |
      | seller_count              | 800                                        |
      | seller_dashboard          | lightweight                                |
      | verifies_identity         | true                                       |
    When the recommendation is evaluated
    Then the products include connect, connect_destination_charges, identity, radar
    And the products exclude connect_direct_charges, connect_separate_charges_transfers, terminal, billing
    And the risk connect_platform_liability is flagged with severity high
    And the risk connect_cross_border_payouts is flagged with severity high
    And the risk connect_kyc_ownership is flagged with severity medium
    And the risk connect_no_escrow is not flagged
    And the risk identity_biometric_consent is not flagged
    And the derived fact is_platform is true

  Scenario: Retailer with 200 stores in the US and Canada plus a web shop
    Given the answers:
      | answer              | value           |
      | hq_country          | US              |
      | entity_countries    | US, CA          |
      | customer_countries  | US, CA          |
      | customer_type       | consumers       |
      | business_model      | direct_sales    |
      | industry            | retail          |
      | annual_volume_usd   | 400000000       |
      | avg_transaction_usd | 45              |
      | channels            | web, in_person  |
      | store_count         | 200             |
      | store_countries     | US, CA          |
      | checkout_control    | hosted_ok       |
      | dev_capacity        | large           |
      | pricing_models      | one_time        |
      | data_warehouse      | none            |
    When the recommendation is evaluated
    Then the products include terminal, checkout, radar, sigma
    And the products exclude connect, billing, klarna, afterpay_clearpay, multi_currency_settlement
    And the risk terminal_same_country is flagged with severity high
    And the risk sca_3ds is not flagged
    And the derived fact segment is enterprise

  Scenario: Direct-to-consumer brand selling into the Netherlands, Belgium and Germany
    Given the answers:
      | answer              | value        |
      | hq_country          | NL           |
      | entity_countries    | NL           |
      | customer_countries  | NL, BE, DE   |
      | customer_type       | consumers    |
      | business_model      | direct_sales |
      | industry            | retail       |
      | annual_volume_usd   | 8000000      |
      | avg_transaction_usd | 85           |
      | channels            | web          |
      | checkout_control    | hosted_ok    |
      | dev_capacity        | small        |
      | pricing_models      | one_time     |
    When the recommendation is evaluated
    Then the products include checkout, ideal, bancontact, klarna, tax, radar
    And the products exclude sepa_debit, link, adaptive_pricing, connect
    And the risk wero_migration is flagged
    And the risk tax_registration is flagged
    And the risk sca_3ds is flagged with severity high
    And the risk async_payment_webhooks is not flagged
    And the risk local_currency_required is not flagged
    And the market plan for NL includes ideal, klarna
    And the market plan for BE includes bancontact
    And the market plan for DE has the auth regime sca

  Scenario: US merchant priced in USD selling to Brazilian and Mexican consumers without local entities
    Given the answers:
      | answer                  | value          |
      | hq_country              | US             |
      | entity_countries        | US             |
      | local_entity_per_market | false          |
      | customer_countries      | US, BR, MX     |
      | customer_type           | consumers      |
      | business_model          | direct_sales   |
      | industry                | retail         |
      | offering_types          | physical_goods |
      | annual_volume_usd       | 6000000        |
      | avg_transaction_usd     | 60             |
      | channels                | web            |
      | checkout_control        | hosted_ok      |
      | dev_capacity            | small          |
      | pricing_models          | one_time       |
      | priced_currencies       | USD            |
      | currency_strategy       | single_currency |
    When the recommendation is evaluated
    Then the products include checkout, adaptive_pricing, pix, oxxo, radar
    And the products exclude boleto, card_installments, payment_element
    And the product boleto is excluded
    And the risk local_currency_required is flagged
    And the risk boleto_local_entity is flagged
    And the risk voucher_expiry is flagged
    And the risk async_payment_webhooks is flagged
    And the risk sca_3ds is not flagged
    And the market plan for BR includes pix
    And the market plan for BR excludes boleto
    And the market plan for MX includes oxxo
    And the market plan for MX excludes card_installments

  Scenario: Japanese e-commerce company with subscriptions on its Japanese account
    Given the answers:
      | answer                  | value                     |
      | hq_country              | JP                        |
      | entity_countries        | JP                        |
      | customer_countries      | JP                        |
      | customer_type           | consumers                 |
      | business_model          | direct_sales              |
      | industry                | retail                    |
      | offering_types          | physical_goods            |
      | annual_volume_usd       | 15000000                  |
      | avg_transaction_usd     | 45                        |
      | channels                | web                       |
      | checkout_control        | hosted_ok                 |
      | dev_capacity            | small                     |
      | pricing_models          | one_time, fixed_recurring |
      | priced_currencies       | JPY                       |
      | current_payment_methods | cards, konbini            |
    When the recommendation is evaluated
    Then the products include checkout, billing, konbini, paypay, card_installments, radar
    And the products exclude adaptive_pricing, tax
    And the risk japan_3ds_mandate is flagged with severity high
    And the risk konbini_no_recurring is flagged
    And the risk refund_limitations is flagged
    And the risk sca_3ds is not flagged
    And the market plan for JP includes konbini, paypay, card_installments
    And the market plan for JP has the auth regime jp_3ds

  Scenario: Hotel group in Germany and the UK taking deposits and charging extras at check-out
    Given the answers:
      | answer                  | value                                 |
      | hq_country              | DE                                    |
      | entity_countries        | DE, GB                                |
      | local_entity_per_market | true                                  |
      | customer_countries      | DE, GB, FR, NL, US, CH                |
      | customer_type           | consumers, businesses                 |
      | business_model          | direct_sales                          |
      | industry                | travel                                |
      | offering_types          | services                              |
      | annual_volume_usd       | 90000000                              |
      | avg_transaction_usd     | 480                                   |
      | channels                | web, in_person, phone                 |
      | store_count             | 14                                    |
      | store_countries         | DE, GB                                |
      | phone_payments          | moto_agent_entry                      |
      | capture_timing          | at_purchase, longer_hold, incremental |
      | checkout_control        | embedded                              |
      | dev_capacity            | large                                 |
      | pricing_models          | one_time                              |
      | priced_currencies       | EUR, GBP                              |
      | currency_strategy       | local_prices                          |
    When the recommendation is evaluated
    Then the products include terminal, manual_capture, extended_authorization, incremental_authorization, moto
    And the products include checkout, radar, tax
    And the products exclude payment_links, tap_to_pay, sepa_debit, bacs_debit
    And the risk auth_expiry is flagged with severity high
    And the risk moto_approval is flagged
    And the risk terminal_same_country is flagged
    And the risk sca_3ds is flagged with severity high
    And the risk reverse_charge_b2b is not flagged
    And the derived fact consumed_on_site is true
    And the market plan for GB has the auth regime sca

  Scenario: US marketplace paying US and EU sellers, holding funds until delivery
    Given the answers:
      | answer                    | value                      |
      | hq_country                | US                         |
      | entity_countries          | US                         |
      | customer_countries        | US, CA                     |
      | customer_type             | consumers                  |
      | business_model            | marketplace                |
      | industry                  | retail                     |
      | offering_types            | physical_goods             |
      | annual_volume_usd         | 45000000                   |
      | avg_transaction_usd       | 70                         |
      | channels                  | web                        |
      | checkout_control          | embedded                   |
      | pricing_models            | one_time                   |
      | pays_out_third_parties    | true                       |
      | merchant_of_record        | platform                   |
      | sellers_per_cart          | many                       |
      | hold_funds_until_delivery | true                       |
      | seller_countries          | US, DE, FR, IT, ES, NL     |
      | seller_count              | 6000                       |
      | seller_dashboard          | lightweight                |
      | payout_tax_reporting      | us_1099, eu_dac7           |
      | verifies_identity         | true                       |
    When the recommendation is evaluated
    Then the products include connect, connect_separate_charges_transfers, connect_tax_reporting, identity, radar
    And the products exclude connect_direct_charges, connect_destination_charges, global_payouts
    And the product connect_destination_charges is excluded
    And the risk payout_tax_reporting is flagged
    And the risk connect_platform_liability is flagged with severity high
    And the risk connect_no_escrow is flagged with severity high
    And the risk connect_cross_border_payouts is not flagged
    And the risk identity_biometric_consent is flagged
